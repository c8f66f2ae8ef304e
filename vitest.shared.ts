import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { writeLocalAgentPolicy } from './infra/local/agent-policy.mjs';
import { loadStackEnv } from './infra/local/env.mjs';

// One test setup for every workspace: the environment of the running local stack
// (written by `npm run stack -- up`) is handed to every test, so integration tests
// talk to the real Postgres, Redis, Kafka, object store and catalog.
// What the caller set wins (npm test points DATABASE_URL at the floe_test database).
const stackEnv = Object.fromEntries(
  Object.entries(loadStackEnv()).filter(([key]) => process.env[key] === undefined),
);
// Every agent a test starts (in process or as `floe-agent start|run`) enforces a policy that allows
// the local stack and nothing else, as a customer's agent enforces theirs.
const stackDir = process.env.FLOE_STACK_DIR ?? stackEnv.FLOE_STACK_DIR;
if (stackDir !== undefined && process.env.FLOE_AGENT_POLICY === undefined) {
  stackEnv.FLOE_AGENT_POLICY = writeLocalAgentPolicy(
    { ...stackEnv, ...process.env },
    join(stackDir, 'agent-policy.json'),
  );
}

export default defineConfig({
  test: {
    env: stackEnv,
    include: ['**/*.test.{ts,tsx}'],
    exclude: ['**/node_modules/**', '**/.next/**', '**/dist/**', '**/e2e/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    maxWorkers: 2,
  },
});
