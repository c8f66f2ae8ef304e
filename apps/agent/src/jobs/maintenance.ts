import {
  type Catalog,
  compactTable,
  expireSnapshots,
  type FileIO,
  isWithin,
  removeOrphanFiles,
  rewriteManifests,
  type TableIdentifier,
} from '@floe/iceberg';
import { carriedOffsets, openTableAccess, type TableAccessHost } from '@floe/ingest';
import type { Job } from '@floe/protocol';
import type { TestResult } from './connection-test';
import { storageRoot } from './storage-root';

type MaintenanceJob = Extract<
  Job,
  { kind: 'table.compact' | 'table.expire-snapshots' | 'table.remove-orphans' }
>;

/** Where a long job stands: the share done and a sentence that says so (a job.progress event). */
export type ReportProgress = (fraction: number, message: string) => void;

/**
 * Table upkeep in the customer's account. Each job is idempotent: a killed compaction leaves the table
 * as it was (its commit is all or nothing; its stray files are orphans for later), and running it
 * again plans afresh. Compaction carries every pipeline's offsets forward unchanged, so ingestion
 * resumes where it was. The result is metadata only: counts, sizes and durations. A compaction
 * reports each step as it starts.
 */
export async function runMaintenance(
  job: MaintenanceJob,
  host: TableAccessHost,
  progress: ReportProgress = () => {},
): Promise<TestResult> {
  const { catalog, io } = await openTableAccess(job.table, host);
  const id = { namespace: job.table.namespace, name: job.table.name };
  const started = Date.now();
  // Only inside the storage the job names (which the agent's policy allowed) are files written or deleted.
  const allowedRoots = [storageRoot(job.table.storage)];
  const { location } = (await catalog.loadTable(id)).metadata;
  if (!allowedRoots.some((root) => isWithin(location, root)))
    throw new Error(`the table location ${location} is outside the job's storage ${allowedRoots.join(', ')}`);
  switch (job.kind) {
    case 'table.compact':
      return compact(catalog, io, id, job, started, progress);
    case 'table.expire-snapshots': {
      const r = await expireSnapshots(catalog, io, id, {
        olderThanMs: job.olderThanMs,
        retainLast: job.retainLast,
        allowedRoots,
      });
      return {
        expiredSnapshots: r.expiredSnapshotIds.length,
        deletedManifestLists: r.deleted.manifestLists,
        deletedManifests: r.deleted.manifests,
        deletedDataFiles: r.deleted.dataFiles,
        deleteFailures: r.deleteFailures.length,
        durationMs: Date.now() - started,
      };
    }
    case 'table.remove-orphans': {
      const r = await removeOrphanFiles(catalog, io, id, { safetyWindowMs: job.olderThanMs, allowedRoots });
      return {
        listed: r.listed,
        orphansFound: r.orphans.length,
        orphansDeleted: r.deleted,
        tooRecent: r.tooRecent.length,
        otherTablesInside: r.otherTables.length,
        deleteFailures: r.deleteFailures.length,
        durationMs: Date.now() - started,
      };
    }
  }
}

// A table committed to every second keeps moving under a compaction: each step plans again from the
// new head when a concurrent commit wins, with more commit attempts than an append needs.
const BUSY_TABLE = { maxAttempts: 8, maxPlans: 5 } as const;
const STEP_ERROR_CHARS = 500;

const stepError = (error: unknown) =>
  `${(error as Error).name}: ${(error as Error).message}`.slice(0, STEP_ERROR_CHARS);

/** What the data-file step did, in the words the pipeline page uses for a finished run. */
function filesStepText(result: TestResult): string {
  if (result.filesOutcome === 'failed') return `data files not rewritten: ${result.filesError}`;
  if (result.filesOutcome === 'nothing-to-do') return 'data files: nothing to rewrite';
  return `data files: ${result.filesBefore} → ${result.filesAfter} files`;
}

/**
 * Compaction in two steps with an outcome each: the data files (bin-pack, applying deletes), then the manifests (streaming
 * leaves one per commit, as well as small files). One step failing does not undo or hide the other:
 * the result says what each did (`filesOutcome`, `manifestsOutcome`: rewritten, nothing-to-do or
 * failed, with `filesError` / `manifestsError`). Only when both fail does the job fail.
 */
async function compact(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  job: Extract<MaintenanceJob, { kind: 'table.compact' }>,
  started: number,
  progress: ReportProgress,
): Promise<TestResult> {
  const summary = carriedOffsets;
  const result: TestResult = {};
  let filesFailure: unknown;
  progress(0, 'step 1 of 2: rewriting data files');
  try {
    const r = await compactTable(catalog, io, id, {
      ...BUSY_TABLE,
      targetFileSizeBytes: job.targetFileSizeBytes,
      ...(job.smallFileBytes !== undefined && { smallFileBytes: job.smallFileBytes }),
      ...(job.deleteRatio !== undefined && { deleteRatio: job.deleteRatio }),
      summary,
    });
    Object.assign(result, {
      filesOutcome: r.snapshotId === undefined ? 'nothing-to-do' : 'rewritten',
      ...(r.snapshotId !== undefined && { snapshotId: r.snapshotId.toString() }),
      filesPlans: r.plans,
      filesBefore: r.filesBefore,
      filesAfter: r.filesAfter,
      smallFilesAfter: r.smallFilesAfter,
      filesRewritten: r.filesRewritten,
      filesWritten: r.filesWritten,
      bytesRewritten: r.bytesRewritten,
      bytesWritten: r.bytesWritten,
      rowsRewritten: r.rowsRewritten,
      partitionsTouched: r.partitionsTouched,
      // What it did to deletes, and the table's delete figures it planned on and left.
      deletedRowsRemoved: r.deletedRowsRemoved,
      deleteFilesRemoved: r.deleteFilesRemoved,
      deleteFilesWritten: r.deleteFilesWritten,
      deleteFilesBefore: r.deleteFilesBefore,
      deleteFilesAfter: r.deleteFilesAfter,
      rowsBefore: r.rowsBefore,
      deletedRowsBefore: r.deletedRowsBefore,
      rowsAfter: r.rowsAfter,
      deletedRowsAfter: r.deletedRowsAfter,
    });
  } catch (error) {
    filesFailure = error;
    Object.assign(result, { filesOutcome: 'failed', filesError: stepError(error) });
  }
  let manifestsFailure: unknown;
  progress(0.5, `step 2 of 2: rewriting manifests (${filesStepText(result)})`);
  try {
    const m = await rewriteManifests(catalog, io, id, { ...BUSY_TABLE, summary });
    Object.assign(result, {
      manifestsOutcome: m.snapshotId === undefined ? 'nothing-to-do' : 'rewritten',
      ...(m.snapshotId !== undefined && { manifestsSnapshotId: m.snapshotId.toString() }),
      manifestsPlans: m.plans,
      manifestsReplaced: m.manifestsReplaced,
      manifestsCreated: m.manifestsCreated,
    });
  } catch (error) {
    manifestsFailure = error;
    Object.assign(result, { manifestsOutcome: 'failed', manifestsError: stepError(error) });
  }
  if (filesFailure !== undefined && manifestsFailure !== undefined) {
    // Named for the data step's error, so the control plane sees e.g. a conflict for what it is.
    const failed = new Error(`data files: ${result.filesError}; manifests: ${result.manifestsError}`, {
      cause: filesFailure,
    });
    failed.name = (filesFailure as Error).name;
    throw failed;
  }
  return { ...result, durationMs: Date.now() - started };
}
