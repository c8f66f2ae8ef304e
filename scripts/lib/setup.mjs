// The steps `npm start` and `npm test` share: install what is missing, bring the local stack
// up, generate the Prisma client and migrate. Each step says what it does and how long it took.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackages, has } from '../../infra/local/lib/system.mjs';
import { prismaEnv, repoRoot } from './env.mjs';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;

export function step(title) {
  console.log(`\n▸ [${elapsed()}] ${title}`);
}

export class StepError extends Error {}

/** Runs a command with its output shown; rejects with a message that names the step. */
export function sh(
  command,
  args,
  { env = process.env, cwd = repoRoot, what = `${command} ${args.join(' ')}` } = {},
) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
    child.once('error', (error) => reject(new StepError(`${what}: ${error.message}`)));
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new StepError(`${what} failed (exit ${code})`)),
    );
  });
}

const bin = (name) => join(repoRoot, 'node_modules', '.bin', name);

/** npm ci when node_modules does not match package-lock.json; nothing otherwise. */
export async function ensureDependencies() {
  const lock = join(repoRoot, 'package-lock.json');
  const stamp = join(repoRoot, 'node_modules', '.floe-installed-lock');
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) {
    console.log('  · npm dependencies are installed and match package-lock.json');
    return;
  }
  console.log('  · installing npm dependencies (npm ci)…');
  await sh('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { what: 'npm ci' });
  writeFileSync(stamp, hash);
}

/** The local stack, in this process (the stack script has no dependencies). */
export async function stackUp() {
  const { up } = await import('../../infra/local/stack.mjs');
  if (!(await up()))
    throw new StepError('the local stack did not come up (see above for the service, its log and the fix)');
}

/** Install and stack together: neither needs the other, and both take a while the first time. */
export async function installAndStack() {
  step(
    'Installing dependencies and starting the local stack (first run downloads ~500 MB; later runs reuse the cache)',
  );
  const results = await Promise.allSettled([ensureDependencies().then(buildNativeEngine), stackUp()]);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * The native ingest engine (Rust, packages/engine): built with the machine's cargo into the shared
 * cache, a no-op when it is up to date. Without cargo, or when the build fails, the script says so and
 * exits 0: Floe then runs the portable (TypeScript) engine. librdkafka, built from source inside it,
 * needs make, pkg-config and the OpenSSL and zlib headers; they are installed first where they can be.
 */
export async function buildNativeEngine() {
  try {
    ensureDebianPackages(
      [
        { package: 'make', present: has('make') },
        { package: 'pkg-config', present: has('pkg-config') },
        { package: 'libssl-dev', present: () => existsSync('/usr/include/openssl/ssl.h') },
        { package: 'zlib1g-dev', present: () => existsSync('/usr/include/zlib.h') },
      ],
      (m) => console.log(`  · native engine: ${m}`),
    );
  } catch (error) {
    console.log(`  · native engine: ${error.message}; its build may fail`);
  }
  await sh(process.execPath, ['packages/engine/build.mjs'], { what: 'building the native engine' });
}

export async function prepareDatabase(databaseUrl, { seed = false } = {}) {
  step('Preparing the database (prisma generate, migrate deploy)');
  const env = { ...prismaEnv(), DATABASE_URL: databaseUrl };
  await sh(process.execPath, ['scripts/db.mjs', 'generate'], { env, what: 'prisma generate' });
  await sh(process.execPath, ['scripts/db.mjs', 'migrate'], { env, what: 'prisma migrate deploy' });
  if (seed)
    await sh(process.execPath, ['scripts/db.mjs', 'seed'], { env, what: 'seeding the demo organization' });
}

export async function turbo(tasks, filters = [], env = process.env) {
  const args = [
    'run',
    ...tasks,
    ...filters.map((f) => `--filter=${f}`),
    '--output-logs=errors-only',
    '--continue',
  ];
  await sh(bin('turbo'), args, {
    env: { ...env, TURBO_TELEMETRY_DISABLED: '1', NEXT_TELEMETRY_DISABLED: '1' },
    what: `turbo ${tasks.join(' ')}`,
  });
}

/** Creates the database `name` next to the stack's own if it does not exist; returns its URL. */
/**
 * The TMPDIR of a test run: every temporary file its tests and their agents make (agent logs and
 * state, specs, compiled readers) goes here, not in /tmp. Emptied as a run starts, so a failed run's
 * files stay to be read until the next run, and nothing piles up.
 */
export function testTempDir() {
  const dir = join(repoRoot, '.floe', 'test-tmp');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function ensureDatabase(name) {
  const { default: pg } = await import('pg');
  const { FLOE_PG_ADMIN_URL } = prismaEnv();
  const client = new pg.Client({ connectionString: FLOE_PG_ADMIN_URL });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(FLOE_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export function fail(error) {
  console.error(`\n✗ ${error instanceof StepError ? error.message : error.stack}`);
  process.exit(1);
}
