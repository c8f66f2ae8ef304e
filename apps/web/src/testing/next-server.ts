import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const appDir = resolve(import.meta.dirname, '../..');

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts the built web app (`next start`) on a free loopback port, for tests. */
export async function startWebApp(env: Record<string, string> = {}, options: { port?: number } = {}) {
  if (!existsSync(resolve(appDir, '.next/BUILD_ID'))) {
    throw new Error('apps/web is not built: run `npm run build` (npm test builds it first)');
  }
  // A fixed port brings a stopped control plane back where its agents look for it.
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    resolve(appDir, '../../node_modules/.bin/next'),
    ['start', '--hostname', '127.0.0.1', '--port', String(port)],
    {
      cwd: appDir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXTAUTH_URL: url, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // Never outlive the test process, even when a test's setup fails before it can stop us.
  process.once('exit', () => child.kill('SIGTERM'));
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const deadline = Date.now() + 60_000;
  let ready = false;
  while (!ready && Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    ready = await fetch(`${url}/api/health`).then(
      () => true,
      () => false,
    );
    if (!ready) await new Promise((r) => setTimeout(r, 200));
  }
  if (!ready) throw new Error(`next start did not answer within 60s:\n${output}`);
  return {
    url,
    port,
    output: () => output,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
