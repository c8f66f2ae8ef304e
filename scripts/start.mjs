#!/usr/bin/env node
// npm start: install what is missing, bring the local stack up, migrate and seed, build and
// serve the control plane. Ctrl-C stops the web app; the stack keeps running until
// `npm run stack -- down`.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { portOpen } from '../infra/local/lib/proc.mjs';
import { repoRoot, stackEnv } from './lib/env.mjs';
import { fail, installAndStack, prepareDatabase, StepError, step, turbo } from './lib/setup.mjs';

const DEMO = { email: 'demo@floe.local', password: 'floe-demo-password' };
const port = Number(process.env.FLOE_WEB_PORT ?? 3000);

try {
  await installAndStack();
  const env = { ...stackEnv(), NEXT_TELEMETRY_DISABLED: '1', NEXTAUTH_URL: `http://127.0.0.1:${port}` };
  await prepareDatabase(env.DATABASE_URL, { seed: true });
  step('Building the control plane (turbo caches it: a second start skips this)');
  await turbo(['build'], ['@floe/web'], env);
  if (await portOpen(port)) {
    throw new StepError(
      `port ${port} is already in use: stop what uses it, or run FLOE_WEB_PORT=<port> npm start`,
    );
  }
  step(`Starting the control plane on http://127.0.0.1:${port}`);
  const web = spawn(
    join(repoRoot, 'node_modules', '.bin', 'next'),
    ['start', '--hostname', '127.0.0.1', '--port', String(port)],
    {
      cwd: join(repoRoot, 'apps', 'web'),
      env,
      stdio: 'inherit',
    },
  );
  web.once('spawn', () => {
    console.log(`
  Floe is running.
    Control plane   http://127.0.0.1:${port}
    Demo sign-in    ${DEMO.email} / ${DEMO.password}  (organization "Acme Data")
    Stack status    npm run stack -- status     logs: npm run stack -- logs
    Stop            Ctrl-C stops the web app; npm run stack -- down stops the services
`);
  });
  const stop = () => web.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  web.once('exit', (code) => process.exit(code ?? 0));
} catch (error) {
  fail(error);
}
