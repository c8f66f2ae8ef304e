#!/usr/bin/env node
// npm run test:chaos: the long runs of tests `npm test` runs short. Exactly once at 1,000,000 records,
// 20 SIGKILLs and a broker restart (npm test: 100,000 and 5, no restart; FLOE_CHAOS_RECORDS /
// FLOE_CHAOS_KILLS override); compaction racing 1-second commits for 10 minutes; scheduled compaction
// through the control plane and the agent for 10 minutes at 1,000,000 records; a backfill of 500,000
// records beside a pipeline committing every 2 s, cut over while main is scanned (npm test: 20,000).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, stackEnv } from './lib/env.mjs';
import { ensureDatabase, fail, installAndStack, prepareDatabase, step, testTempDir } from './lib/setup.mjs';

// Each test file runs in a vitest run of its own, one after the other: the broker restart of the first
// must not pull the broker from under the others (it did when they shared a run).
const RUNS = [
  {
    title: (env) =>
      `Exactly-once chaos run: ${env.FLOE_CHAOS_RECORDS} records, ${env.FLOE_CHAOS_KILLS} SIGKILLs, a broker restart, then a rebalance`,
    file: 'apps/agent/src/pipelines/exactly-once.integration.test.ts',
  },
  {
    title: (env) => `Compaction racing 1-second ingest commits for ${env.FLOE_MAINTENANCE_RACE_SECONDS} s`,
    file: 'apps/agent/src/jobs/maintenance.integration.test.ts',
  },
  {
    title: (env) =>
      `Scheduled compaction (control plane → agent) on a table committed to every second: ${env.FLOE_SCHEDULED_COMPACTION_RECORDS} records over ${env.FLOE_SCHEDULED_COMPACTION_SECONDS} s`,
    file: 'apps/agent/src/jobs/scheduled-compaction.integration.test.ts',
  },
  {
    title: (env) =>
      `Backfill of ${env.FLOE_BACKFILL_RECORDS} records beside a pipeline committing every 2 s, validated and cut over while main is scanned`,
    file: 'packages/ingest/src/backfill/backfill.integration.test.ts',
  },
];

function vitest(file, env) {
  return new Promise((resolve) => {
    spawn(join(repoRoot, 'node_modules', '.bin', 'vitest'), ['run', file], {
      cwd: repoRoot,
      env,
      stdio: 'inherit',
    }).once('exit', (code) => resolve(code ?? 1));
  });
}

try {
  await installAndStack();
  // The scheduled-compaction run plays the control plane: the Prisma client and a migrated database.
  const databaseUrl = await ensureDatabase('floe_test');
  await prepareDatabase(databaseUrl);
  const env = {
    ...stackEnv(),
    ...process.env,
    DATABASE_URL: databaseUrl,
    // One for the four runs: a failed run's agent logs stay there to read.
    TMPDIR: testTempDir(),
    FLOE_CHAOS_RECORDS: process.env.FLOE_CHAOS_RECORDS ?? '1000000',
    FLOE_CHAOS_KILLS: process.env.FLOE_CHAOS_KILLS ?? '20',
    // Compaction racing 1-second ingest commits for 10 minutes.
    FLOE_MAINTENANCE_RACE_SECONDS: process.env.FLOE_MAINTENANCE_RACE_SECONDS ?? '600',
    // The long run also restarts the broker under a running agent (npm test cannot: other tests share it).
    FLOE_CHAOS_BROKER_RESTART: process.env.FLOE_CHAOS_BROKER_RESTART ?? '1',
    // Compactions the control plane schedules, for 10 minutes and a million records.
    FLOE_SCHEDULED_COMPACTION_SECONDS: process.env.FLOE_SCHEDULED_COMPACTION_SECONDS ?? '600',
    FLOE_SCHEDULED_COMPACTION_RECORDS: process.env.FLOE_SCHEDULED_COMPACTION_RECORDS ?? '1000000',
    // A backfill of half a million records while the live pipeline keeps its freshness SLO.
    FLOE_BACKFILL_RECORDS: process.env.FLOE_BACKFILL_RECORDS ?? '500000',
    // Capped so that the backfill runs beside some 20 live commits (uncapped it takes a few seconds).
    FLOE_BACKFILL_RECORDS_PER_SECOND: process.env.FLOE_BACKFILL_RECORDS_PER_SECOND ?? '12500',
    TZ: 'UTC',
  };
  const failed = [];
  for (const run of RUNS) {
    step(run.title(env));
    const started = Date.now();
    const code = await vitest(run.file, env);
    console.log(`${code === 0 ? '✓' : '✗'} ${run.file} (${Math.round((Date.now() - started) / 1000)} s)`);
    if (code !== 0) failed.push(run.file);
  }
  console.log(
    failed.length === 0
      ? `test:chaos: ${RUNS.length} of ${RUNS.length} passed`
      : `test:chaos: failed: ${failed.join(', ')}`,
  );
  process.exit(failed.length === 0 ? 0 : 1);
} catch (error) {
  fail(error);
}
