#!/usr/bin/env node
// The local stack: the real services Floe runs and is tested against, on loopback.
//   npm run stack -- up [service…] | down [service…] | status | logs [service] | env
// No dependencies: it runs before `npm install`.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stackPorts, stackSecrets } from './lib/config.mjs';
import { withLock } from './lib/lock.mjs';
import { repoRoot, stackPaths } from './lib/paths.mjs';
import { portOpen, tail, waitFor } from './lib/proc.mjs';
import { catalog } from './services/catalog.mjs';
import { hive } from './services/hive.mjs';
import { kafka } from './services/kafka.mjs';
import { nessie } from './services/nessie.mjs';
import { objectStore } from './services/object-store.mjs';
import { postgres } from './services/postgres.mjs';
import { redis } from './services/redis.mjs';
import { schemaRegistry } from './services/schema-registry.mjs';

const HEALTH_TIMEOUT_MS = 120_000;

export function services(env = process.env) {
  const paths = stackPaths(env);
  const ctx = { paths, ports: stackPorts(env), secrets: stackSecrets(paths) };
  const store = objectStore(ctx);
  return {
    paths,
    secrets: ctx.secrets,
    list: [
      postgres(ctx),
      redis(ctx),
      kafka(ctx),
      store,
      catalog(ctx, store),
      schemaRegistry(ctx),
      nessie(ctx, store, env),
      hive(ctx, store, env),
    ],
  };
}

const rel = (p) => {
  const r = relative(process.cwd(), p);
  return r.startsWith('..') ? p : r || '.';
};
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)}s`;
const sayFor = (name) => (message) => console.log(`  · ${name}: ${message}`);

class ServiceError extends Error {
  constructor(service, problem) {
    super(`${service.name} ${problem}`);
    this.service = service;
  }
}

async function bringUp(service) {
  const say = sayFor(service.name);
  const started = Date.now();
  if (await service.running()) {
    if (!(await waitFor(() => service.healthy(), 30_000)))
      throw new ServiceError(service, 'is running but does not answer its health check');
    await afterReady(service, say);
    console.log(`✓ ${service.name} already running on 127.0.0.1:${service.port}`);
    return;
  }
  if (await portOpen(service.port)) {
    throw new ServiceError(
      service,
      `cannot start: port ${service.port} is taken by a process this stack did not start. Stop it, or choose another port with ${service.portVariable}=<port>`,
    );
  }
  say(`starting on 127.0.0.1:${service.port}`);
  await service.start(say);
  if (!(await waitFor(() => service.healthy(), HEALTH_TIMEOUT_MS))) {
    throw new ServiceError(service, `did not become healthy within ${HEALTH_TIMEOUT_MS / 1000}s`);
  }
  await afterReady(service, say);
  console.log(`✓ ${service.name} ready on 127.0.0.1:${service.port} (${seconds(started)})`);
}

async function afterReady(service, say) {
  try {
    await service.afterReady?.(say);
  } catch (error) {
    throw new ServiceError(service, `started but its setup failed: ${error.message}`);
  }
}

/**
 * The named services with what they depend on, in start order; when none is named, all but the
 * optional ones (`up nessie` starts Nessie; `down` stops it too). Stopping takes no dependency along.
 */
function select(list, names, { optional = false, dependencies = true } = {}) {
  if (names.length === 0) return optional ? list : list.filter((s) => !s.optional);
  const unknown = names.filter((n) => !list.some((s) => s.name === n));
  if (unknown.length > 0)
    throw new Error(`no service named ${unknown.join(', ')}; one of: ${list.map((s) => s.name).join(', ')}`);
  const wanted = new Set(names);
  for (const s of [...list].reverse())
    if (dependencies && wanted.has(s.name)) for (const d of s.dependsOn ?? []) wanted.add(d);
  return list.filter((s) => wanted.has(s.name));
}

/** One `up` or `down` at a time per stack folder (npm start and npm test may both bring it up). */
const oneAtATime = (work) => withLock(join(services().paths.runDir, 'stack.lock'), work);

export function up(names = []) {
  return oneAtATime(() => startStack(names));
}

export function down(names = []) {
  return oneAtATime(() => stopStack(names));
}

async function startStack(names) {
  const { paths, secrets, list: all } = services();
  const list = select(all, names);
  const began = Date.now();
  for (const dir of [paths.dataDir, paths.logDir, paths.runDir]) mkdirSync(dir, { recursive: true });
  console.log(
    `Floe local stack — data and logs in ${rel(paths.stackDir)}, downloads cached in ${paths.cacheDir}`,
  );
  const byName = new Map(list.map((s) => [s.name, s]));
  try {
    for (const service of list) {
      try {
        service.provision(sayFor(service.name));
      } catch (error) {
        throw new ServiceError(service, `could not be installed: ${error.message}`);
      }
    }
    // Services start in parallel, each after the ones it depends on.
    const done = new Map();
    const bring = (service) => {
      if (!done.has(service.name)) {
        const deps = (service.dependsOn ?? []).map((name) => bring(byName.get(name)));
        done.set(
          service.name,
          Promise.all(deps).then(() => bringUp(service)),
        );
      }
      return done.get(service.name);
    };
    const results = await Promise.allSettled(list.map(bring));
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
  } catch (error) {
    reportFailure(error);
    process.exitCode = 1;
    return false;
  }
  writeEnvFile({ paths, secrets, list: all });
  console.log(`Local stack is up (${seconds(began)}). Connection settings: ${rel(paths.envFile)}`);
  return true;
}

/** The running stack's settings, for tests and scripts (an optional service's only while it runs). */
function writeEnvFile({ paths, secrets, list }) {
  // The web app's session key rides along so `npm start` and the tests share one local setup.
  const env = Object.assign(
    { FLOE_STACK_DIR: paths.stackDir, NEXTAUTH_SECRET: secrets.webSessionSecret },
    ...list.map((s) => s.env()),
  );
  writeFileSync(paths.envFile, `${JSON.stringify(env, null, 2)}\n`, { mode: 0o600 });
}

function reportFailure(error) {
  const service = error.service;
  console.error(`\n✗ ${error.message}`);
  if (service) {
    console.error(`  log: ${rel(service.logFile)} — last lines:`);
    console.error(tail(service.logFile).replace(/^/gm, '    | '));
    console.error(`  likely fix: ${service.hint}`);
  }
  console.error('  see all logs with: npm run stack -- logs');
}

async function stopStack(names) {
  const stack = services();
  // Only the services named: `down nessie` must not take the object store (and every table) with it.
  const list = select(stack.list, names, { optional: true, dependencies: false });
  for (const service of [...list].reverse()) {
    const stopped = await service.stop();
    console.log(stopped ? `✓ ${service.name} stopped` : `· ${service.name} was not running`);
  }
  // A stopped optional service's settings leave the file, so tests against it no longer run.
  if (existsSync(stack.paths.envFile)) writeEnvFile(stack);
}

export async function status() {
  const { list } = services();
  let allUp = true;
  for (const service of list) {
    const running = await service.running();
    if (service.optional && !running) continue;
    const healthy = running && (await service.healthy());
    allUp &&= healthy;
    const state = healthy ? 'healthy' : running ? 'UNHEALTHY' : 'stopped';
    console.log(
      `${service.name.padEnd(13)} ${state.padEnd(9)} 127.0.0.1:${String(service.port).padEnd(6)} log: ${rel(service.logFile)}`,
    );
  }
  return allUp;
}

function logs(name) {
  const { list } = services();
  const chosen = name ? list.filter((s) => s.name === name) : list;
  if (chosen.length === 0)
    throw new Error(`no service named ${name}; one of: ${list.map((s) => s.name).join(', ')}`);
  for (const service of chosen)
    console.log(`==> ${rel(service.logFile)} <==\n${tail(service.logFile, 40)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command = 'status', ...args] = process.argv.slice(2);
  process.chdir(process.env.INIT_CWD ?? repoRoot);
  const commands = {
    up: () => up(args),
    down: () => down(args),
    status: async () => {
      if (!(await status())) process.exitCode = 3;
    },
    logs: () => logs(args[0]),
    env: () =>
      console.log(
        JSON.stringify(
          services().list.reduce((e, s) => Object.assign(e, s.env()), {}),
          null,
          2,
        ),
      ),
  };
  if (!commands[command]) {
    console.error(`usage: npm run stack -- ${Object.keys(commands).join('|')}`);
    process.exit(2);
  }
  await commands[command]();
}
