import {
  abortBackfill,
  Backfill,
  BackfillEndedError,
  type BackfillHost,
  type BackfillValidation,
  cutover,
  openTableAccess,
  validateBackfill,
} from '@floe/ingest';
import type { Job } from '@floe/protocol';
import type { PipelineSupervisor } from '../pipelines/supervisor';
import type { TestResult } from './connection-test';

type BackfillJob = Extract<Job, { kind: `pipeline.backfill${string}` }>;

/** Partitions listed one by one in a validation's figures (the rest are in the totals). */
const LISTED_PARTITIONS = 40;

/**
 * A pipeline's backfill, inside the account: run it (a job of its own with its own consumer; run
 * again after a kill it resumes from its branch), validate its branch, cut it over to main (pausing
 * the pipeline when it runs here), or abort it. Every figure sent back is metadata: counts, offsets,
 * snapshot ids.
 */
export async function runBackfillJob(
  job: BackfillJob,
  host: BackfillHost,
  pipelines: PipelineSupervisor,
): Promise<TestResult> {
  const spec = job.pipeline;
  switch (job.kind) {
    case 'pipeline.backfill': {
      const live = () => pipelines.list().find((p) => p.spec.id === spec.id)?.metrics;
      const backfill = await Backfill.open(
        spec,
        {
          backfillId: job.backfillId,
          start: job.start,
          end: job.end,
          ...(job.maxRecordsPerSecond !== undefined && { maxRecordsPerSecond: job.maxRecordsPerSecond }),
          ...(job.maxLiveLagRecords !== undefined && { maxLiveLagRecords: job.maxLiveLagRecords }),
          ...(job.partitionBy !== undefined && { partitionBy: job.partitionBy }),
        },
        { ...host, liveLag: () => Number(live()?.lagRecords() ?? 0n) },
      );
      const done = await backfill.run().catch((error) => {
        if (error instanceof BackfillEndedError) return undefined;
        throw error;
      });
      // Aborted (or cut over) while it ran, or before this run of it: it ends, and is not tried again.
      if (done === undefined) return { backfillId: job.backfillId, branchDropped: true };
      return {
        backfillId: job.backfillId,
        records: done.records,
        totalRecords: done.totalRecords,
        deadLetters: done.deadLetters,
        backedOffSeconds: done.backedOffSeconds,
        snapshotId: done.snapshotId?.toString() ?? '',
      };
    }
    case 'pipeline.backfill-validate': {
      const { catalog, io } = await openTableAccess(spec.table, host);
      const id = { namespace: spec.table.namespace, name: spec.table.name };
      return validationFigures(await validateBackfill(catalog, io, id, job.backfillId));
    }
    case 'pipeline.backfill-cutover': {
      const outcome = await cutover(spec, job.backfillId, host, async () => {
        const running = pipelines.list().find((p) => p.spec.id === spec.id);
        if (running === undefined) return async () => {};
        await pipelines.stop(spec.id);
        return () => pipelines.apply(running.spec);
      });
      return {
        ...validationFigures(outcome.validation),
        snapshotId: outcome.snapshotId.toString(),
        replacedSnapshotId: outcome.replacedSnapshotId?.toString() ?? '',
        cutoverAtMs: outcome.cutoverAtMs,
        attempts: outcome.attempts,
      };
    }
    case 'pipeline.backfill-abort':
      await abortBackfill(spec, job.backfillId, host);
      return { backfillId: job.backfillId, aborted: true };
  }
}

/** A validation as figures: totals, each listed partition as "rows/offsets/dead letters", the schema's problems. */
function validationFigures(v: BackfillValidation): TestResult {
  const sum = (pick: (p: BackfillValidation['partitions'][number]) => number) =>
    v.partitions.reduce((n, p) => n + pick(p), 0);
  const listed = Object.fromEntries(
    v.partitions
      .slice(0, LISTED_PARTITIONS)
      .map((p) => [`${p.topic}:${p.partition}`.slice(0, 100), `${p.rows}/${p.offsets}/${p.deadLetters}`]),
  );
  return {
    ...listed,
    valid: v.ok,
    branchSnapshotId: v.snapshotId,
    partitions: v.partitions.length,
    failedPartitions: v.partitions.filter((p) => !p.ok).length,
    rows: sum((p) => p.rows),
    offsets: sum((p) => p.offsets),
    deadLetters: sum((p) => p.deadLetters),
    duplicates: sum((p) => p.duplicates),
    outsideRange: sum((p) => p.outsideRange),
    schemaProblems: v.schemaProblems.join('; ').slice(0, 2000),
  };
}
