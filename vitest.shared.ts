import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
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

const shared = {
  env: stackEnv,
  testTimeout: 60_000,
  hookTimeout: 180_000,
};
const ignored = ['**/node_modules/**', '**/.next/**', '**/dist/**', '**/e2e/**'];

// Tests by kind, named by their files (run one kind with `npm test -- --project <name>`):
// - unit (`*.test.ts`): no service, no Python, no build; seconds.
// - integration (`*.integration.test.ts`): the local stack's services, its Python, or a build.
// - browser (`apps/web/src/*.integration.test.ts` but trpc-batch): the built web app, over HTTP or
//   driven in Chromium. Its paths are the repository root's: inside apps/web they count as integration.
const browser = ['**/apps/web/src/!(trpc-batch).integration.test.ts'];

// The proofs that run for minutes (measured in CI's test results). With no timing cache, as on a fresh
// clone, vitest starts the largest files first, and the longest proof is a small file: it started last
// and the run ended with one worker waiting on it alone. These start first, so the short files fill in
// around them. A file that becomes one of the longest belongs here.
const longProofs = [
  'apps/agent/src/pipelines/exactly-once.integration.test.ts',
  'apps/agent/src/pipelines/freshness-incident.integration.test.ts',
  'apps/agent/src/jobs/backfill-kill.integration.test.ts',
  'apps/web/src/data-stays-home.integration.test.ts',
  'apps/agent/src/jobs/upsert-compaction.integration.test.ts',
  'apps/agent/src/jobs/scheduled-upsert-compaction.integration.test.ts',
  'apps/agent/src/pipelines/agent-pool.integration.test.ts',
];

class LongProofsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]) {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const i = longProofs.findIndex((path) => file.moduleId.endsWith(path));
      return i === -1 ? longProofs.length : i;
    };
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    sequence: { sequencer: LongProofsFirst },
    // The two cores are shared by every project's files.
    maxWorkers: 2,
    projects: [
      {
        test: {
          ...shared,
          // No stack settings: a unit test that reaches for a service fails here, not by luck.
          env: {},
          name: 'unit',
          include: ['**/*.test.{ts,tsx}'],
          exclude: [...ignored, '**/*.integration.test.{ts,tsx}'],
        },
      },
      {
        test: {
          ...shared,
          name: 'integration',
          include: ['**/*.integration.test.{ts,tsx}'],
          exclude: [...ignored, ...browser],
        },
      },
      {
        test: { ...shared, name: 'browser', include: browser, exclude: ignored },
      },
    ],
  },
});
