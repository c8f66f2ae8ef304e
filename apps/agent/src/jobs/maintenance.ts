import { compactTable, expireSnapshots, removeOrphanFiles, rewriteManifests } from '@floe/iceberg';
import { carriedOffsets, openTableAccess, type TableAccessHost } from '@floe/ingest';
import type { Job } from '@floe/protocol';
import type { TestResult } from './connection-test';

type MaintenanceJob = Extract<
  Job,
  { kind: 'table.compact' | 'table.expire-snapshots' | 'table.remove-orphans' }
>;

/**
 * Table upkeep in the customer's account. Each job is idempotent: a killed compaction leaves the table
 * as it was (its commit is all or nothing; its stray files are orphans for later), and running it
 * again plans afresh. Compaction carries every pipeline's offsets forward unchanged, so ingestion
 * resumes where it was. The result is metadata only: counts, sizes and durations.
 */
export async function runMaintenance(job: MaintenanceJob, host: TableAccessHost): Promise<TestResult> {
  const { catalog, io } = await openTableAccess(job.table, host);
  const id = { namespace: job.table.namespace, name: job.table.name };
  const started = Date.now();
  switch (job.kind) {
    case 'table.compact': {
      const r = await compactTable(catalog, io, id, {
        targetFileSizeBytes: job.targetFileSizeBytes,
        ...(job.smallFileBytes !== undefined && { smallFileBytes: job.smallFileBytes }),
        summary: (parent) => carriedOffsets(parent),
      });
      // Streaming leaves one manifest per commit as well as small files: those are packed too.
      const m = await rewriteManifests(catalog, io, id, { summary: (parent) => carriedOffsets(parent) });
      return {
        manifestsReplaced: m.manifestsReplaced,
        manifestsCreated: m.manifestsCreated,
        ...(r.snapshotId !== undefined && { snapshotId: r.snapshotId.toString() }),
        filesBefore: r.filesBefore,
        filesAfter: r.filesAfter,
        filesRewritten: r.filesRewritten,
        filesWritten: r.filesWritten,
        bytesRewritten: r.bytesRewritten,
        bytesWritten: r.bytesWritten,
        rowsRewritten: r.rowsRewritten,
        partitionsTouched: r.partitionsTouched,
        durationMs: Date.now() - started,
      };
    }
    case 'table.expire-snapshots': {
      const r = await expireSnapshots(catalog, io, id, {
        olderThanMs: job.olderThanMs,
        retainLast: job.retainLast,
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
      const r = await removeOrphanFiles(catalog, io, id, { safetyWindowMs: job.olderThanMs });
      return {
        listed: r.listed,
        orphansFound: r.orphans.length,
        orphansDeleted: r.deleted,
        tooRecent: r.tooRecent.length,
        deleteFailures: r.deleteFailures.length,
        durationMs: Date.now() - started,
      };
    }
  }
}
