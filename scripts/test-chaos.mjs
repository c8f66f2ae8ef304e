#!/usr/bin/env node
// npm run test:chaos: the long exactly-once run. The same test `npm test` runs at 100,000 records and
// 5 kills, here at 1,000,000 records and 20 SIGKILLs (FLOE_CHAOS_RECORDS / FLOE_CHAOS_KILLS override).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, stackEnv } from './lib/env.mjs';
import { fail, installAndStack, step } from './lib/setup.mjs';

try {
  await installAndStack();
  const env = {
    ...stackEnv(),
    ...process.env,
    FLOE_CHAOS_RECORDS: process.env.FLOE_CHAOS_RECORDS ?? '1000000',
    FLOE_CHAOS_KILLS: process.env.FLOE_CHAOS_KILLS ?? '20',
    // Compaction racing 1-second ingest commits for 10 minutes.
    FLOE_MAINTENANCE_RACE_SECONDS: process.env.FLOE_MAINTENANCE_RACE_SECONDS ?? '600',
    // The long run also restarts the broker under a running agent (npm test cannot: other tests share it).
    FLOE_CHAOS_BROKER_RESTART: process.env.FLOE_CHAOS_BROKER_RESTART ?? '1',
    TZ: 'UTC',
  };
  step(
    `Exactly-once chaos run: ${env.FLOE_CHAOS_RECORDS} records, ${env.FLOE_CHAOS_KILLS} SIGKILLs, then a rebalance`,
  );
  const code = await new Promise((resolve) => {
    spawn(
      join(repoRoot, 'node_modules', '.bin', 'vitest'),
      [
        'run',
        'apps/agent/src/pipelines/exactly-once.integration.test.ts',
        'apps/agent/src/jobs/maintenance.integration.test.ts',
      ],
      { cwd: repoRoot, env, stdio: 'inherit' },
    ).once('exit', resolve);
  });
  process.exit(code ?? 1);
} catch (error) {
  fail(error);
}
