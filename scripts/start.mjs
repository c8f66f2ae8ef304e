#!/usr/bin/env node
// npm start: install what is missing, bring the local stack up, migrate and seed, build and
// serve the control plane. Ctrl-C stops the web app; the stack keeps running until
// `npm run stack -- down`.
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeLocalAgentPolicy } from '../infra/local/agent-policy.mjs';
import { portOpen } from '../infra/local/lib/proc.mjs';
import { repoRoot, stackEnv } from './lib/env.mjs';
import { fail, installAndStack, prepareDatabase, StepError, step, turbo } from './lib/setup.mjs';

const DEMO = { email: 'demo@floe.local', password: 'floe-demo-password' };
const port = Number(process.env.FLOE_WEB_PORT ?? 3000);

try {
  await installAndStack();
  const env = { ...stackEnv(), NEXT_TELEMETRY_DISABLED: '1', NEXTAUTH_URL: `http://127.0.0.1:${port}` };
  await prepareDatabase(env.DATABASE_URL, { seed: true });
  step('Building the control plane and the agent (turbo caches them: a second start skips this)');
  await turbo(['build'], ['@floe/web', 'floe-agent'], env);
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
  const demo = [];
  web.once('spawn', async () => {
    await waitForHealth(`http://127.0.0.1:${port}/api/health`);
    demo.push(...startDemo(env, `http://127.0.0.1:${port}`));
    console.log(`
  Floe is running.
    Control plane   http://127.0.0.1:${port}
    Demo sign-in    ${DEMO.email} / ${DEMO.password}  (organization "Acme Data")
    Demo pipeline   http://127.0.0.1:${port}/orgs/acme-data/pipelines/demo-orders
                    orders on topic demo.orders → Iceberg table demo.orders, committed every 5 s
                    by a local agent (logs: .floe/demo-agent/agent.log); the first commit takes ~20 s
    Stack status    npm run stack -- status     logs: npm run stack -- logs
    Stop            Ctrl-C stops the web app; npm run stack -- down stops the services
`);
  });
  const stop = () => {
    for (const child of [...demo, web]) child.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  web.once('exit', (code) => process.exit(code ?? 0));
} catch (error) {
  fail(error);
}

async function waitForHealth(url) {
  for (let i = 0; i < 120; i += 1) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.error(`✗ the control plane did not answer at ${url}; the demo agent was not started`);
}

/**
 * The demo's moving parts: an order producer, and a local agent enrolled with the seeded install token
 * (or the credentials it saved last time). The control plane sends it the demo pipeline when it
 * first heartbeats (reconcile), exactly as it would a customer's agent.
 */
function startDemo(env, controlPlane) {
  const stateDir = join(repoRoot, '.floe', 'demo-agent');
  const tokenFile = join(stateDir, 'install-token');
  const hasCredentials = existsSync(join(stateDir, 'credentials.json'));
  if (!hasCredentials && !existsSync(tokenFile)) {
    console.error('✗ no demo agent token: run npm start again (the seed writes it)');
    return [];
  }
  // With saved credentials the token is not used; start still wants one of the right shape.
  const token = hasCredentials ? 'floe_at_saved-credentials' : readFileSync(tokenFile, 'utf8').trim();
  const log = join(stateDir, 'agent.log');
  // The demo agent enforces a policy as a customer's does: the local stack, and in the bucket only
  // the demo's prefix (the seeded storage connection's).
  const policy = writeLocalAgentPolicy(env, join(stateDir, 'policy.json'), { prefix: 'demo' });
  const producer = spawn(process.execPath, [join(repoRoot, 'scripts', 'demo', 'producer.mjs')], {
    env,
    stdio: 'inherit',
  });
  // Run as an executable so that node gets the V8 flags on the bin's first line.
  const agent = spawn(
    join(repoRoot, 'apps', 'agent', 'bin', 'floe-agent.mjs'),
    ['start', '--control-plane', controlPlane, '--token', token, '--policy', policy],
    {
      env: {
        ...env,
        FLOE_AGENT_STATE_DIR: stateDir,
        // The local object store's keys stand in for the role an agent would assume in AWS.
        AWS_ACCESS_KEY_ID: env.FLOE_AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: env.FLOE_AWS_SECRET_ACCESS_KEY,
        AWS_REGION: env.FLOE_AWS_REGION,
      },
      stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
    },
  );
  return [producer, agent];
}
