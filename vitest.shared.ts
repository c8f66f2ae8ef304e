import { defineConfig } from 'vitest/config';
import { loadStackEnv } from './infra/local/env.mjs';

// One test setup for every workspace: the environment of the running local stack
// (written by `npm run stack -- up`) is handed to every test, so integration tests
// talk to the real Postgres, Redis, Kafka, object store and catalog.
// What the caller set wins (npm test points DATABASE_URL at the floe_test database).
const stackEnv = Object.fromEntries(
  Object.entries(loadStackEnv()).filter(([key]) => process.env[key] === undefined),
);

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
