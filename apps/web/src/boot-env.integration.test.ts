import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from './testing/next-server';

const appDir = resolve(import.meta.dirname, '..');

/** `next start` of the built app with `env` over the test's own; resolves with its exit code and output. */
async function startAndWaitForExit(env: Record<string, string>) {
  if (!existsSync(resolve(appDir, '.next/BUILD_ID')))
    throw new Error('apps/web is not built: run `npm run build`');
  const port = await freePort();
  const child = spawn(
    resolve(appDir, '../../node_modules/.bin/next'),
    ['start', '--hostname', '127.0.0.1', '--port', String(port)],
    {
      cwd: appDir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, output };
}

describe('the web app started with a bad environment', () => {
  it('exits at once, naming each missing or malformed variable', async () => {
    const { code, output } = await startAndWaitForExit({
      NEXTAUTH_SECRET: 'short',
      NEXTAUTH_URL: 'floe.example.com',
      FLOE_AGENT_TRANSPORT: 'grpc',
    });
    expect(code).toBe(1);
    expect(output).toContain("floe-web: the web app's environment is not usable");
    expect(output).toContain('NEXTAUTH_SECRET: must be at least 16 characters');
    expect(output).toContain('NEXTAUTH_URL: must be a http:// or https:// URL');
    expect(output).toContain('FLOE_AGENT_TRANSPORT: ');
  });
});
