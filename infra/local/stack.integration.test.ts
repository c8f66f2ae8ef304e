import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, 'stack.mjs');
const SERVICES = ['postgres', 'redis', 'kafka', 'object-store', 'catalog', 'schema-registry'];

function stack(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The pid of every process the running stack started, and when Postgres (its own pid keeper) started. */
async function runningProcesses(): Promise<string[]> {
  const runDir = join(process.env.FLOE_STACK_DIR as string, 'run');
  const pids = readdirSync(runDir)
    // Nessie and Hive are optional: they run or not beside the default services.
    .filter((f) => f.endsWith('.pid') && f !== 'nessie.pid' && f !== 'hive.pid')
    .map((f) => `${f}=${readFileSync(join(runDir, f), 'utf8').trim()}`);
  const client = new pg.Client({ connectionString: process.env.FLOE_PG_ADMIN_URL });
  await client.connect();
  const { rows } = await client.query('SELECT pg_postmaster_start_time()::text AS started');
  await client.end();
  return [...pids, `postgres started ${rows[0].started}`].sort();
}

describe('the running local stack', () => {
  it('reports every service as healthy, with its port and log', () => {
    const { code, out } = stack(['status']);
    expect(code).toBe(0);
    for (const name of SERVICES)
      expect(out).toMatch(new RegExp(`^${name}\\s+healthy\\s+127\\.0\\.0\\.1:\\d+\\s+log: `, 'm'));
  });

  it('treats a second `up` as a no-op: every service reused, none restarted', async () => {
    const before = await runningProcesses();
    expect(before).toHaveLength(SERVICES.length);
    const { code, out } = stack(['up']);
    expect(code).toBe(0);
    for (const name of SERVICES) expect(out).toContain(`✓ ${name} already running`);
    expect(out).not.toContain('starting on');
    expect(await runningProcesses()).toEqual(before);
  });
});

describe('a private stack instance (its own folder and port)', () => {
  const stackDir = mkdtempSync(join(tmpdir(), 'floe-stack-test-'));
  const env = { FLOE_STACK_DIR: stackDir, FLOE_REDIS_PORT: '' };
  const redisPid = () => Number(readFileSync(join(stackDir, 'run', 'redis.pid'), 'utf8'));

  afterAll(() => {
    stack(['down', 'redis'], env);
    rmSync(stackDir, { recursive: true, force: true });
  });

  it('starts a service, restarts it when its process died, and stops only what it started', async () => {
    env.FLOE_REDIS_PORT = String(await freePort());
    const first = stack(['up', 'redis'], env);
    expect(first.out).toContain(`✓ redis ready on 127.0.0.1:${env.FLOE_REDIS_PORT}`);
    const pid = redisPid();

    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    expect(stack(['status'], env).out).toMatch(/^redis\s+stopped/m);

    const again = stack(['up', 'redis'], env);
    expect(again.code).toBe(0);
    expect(again.out).toContain('✓ redis ready');
    expect(redisPid()).not.toBe(pid);

    expect(stack(['down', 'redis'], env).out).toContain('✓ redis stopped');
    expect(stack(['status'], env).out).toMatch(/^redis\s+stopped/m);
  });

  it('names the service, the port variable and the log when a port is taken by someone else', async () => {
    const squatter = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    const address = squatter.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const { code, out } = stack(['up', 'redis'], { ...env, FLOE_REDIS_PORT: String(port) });
      expect(code).toBe(1);
      expect(out).toContain(`redis cannot start: port ${port} is taken`);
      expect(out).toContain('FLOE_REDIS_PORT');
      expect(out).toContain('log: ');
    } finally {
      squatter.close();
    }
  });

  it('refuses an unusable port setting by naming the variable', () => {
    const { code, out } = stack(['status'], { ...env, FLOE_KAFKA_PORT: 'ninety' });
    expect(code).not.toBe(0);
    expect(out).toContain('FLOE_KAFKA_PORT=ninety is not a usable port');
  });
});
