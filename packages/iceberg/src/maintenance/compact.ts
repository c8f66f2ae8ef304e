import { type Catalog, type LoadedTable, type TableIdentifier, tableName } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import { readLiveBatches } from '../reader/read-data-file';
import { ReplaceFiles } from '../transaction/replace';
import { TableWriter } from '../writer/table-writer';
import {
  type CompactionGroup,
  type CompactionOptions,
  type CompactionPlan,
  planCompaction,
} from './compaction-plan';

import { MovedRows } from './moved-rows';
import { withReplanning } from './replan';

export interface CompactionResult {
  /** The replace snapshot; undefined when there was nothing to compact, and no snapshot was made. */
  snapshotId: bigint | undefined;
  /** Commit requests sent (for the plan that landed). */
  attempts: number;
  /** Plans made: more than one when a concurrent commit won and the rewrite was planned again (compactTable). */
  plans: number;
  /** Live data files of the planned snapshot, and after the rewrite (appends since then not counted). */
  filesBefore: number;
  filesAfter: number;
  /** Of filesAfter, those still below the small-file size (lone small files, and small rewrites). */
  smallFilesAfter: number;
  filesRewritten: number;
  filesWritten: number;
  /** Storage bytes of the files rewritten, and of the files written in their place. */
  bytesRewritten: number;
  bytesWritten: number;
  /** Rows of the files rewritten (deleted ones included), and of the files written. */
  rowsRewritten: number;
  rowsWritten: number;
  /** Deleted rows left out of the rewrite: the deletes it applied. */
  deletedRowsRemoved: number;
  /** Live position delete files of the planned snapshot, and after (row deltas since then not counted). */
  deleteFilesBefore: number;
  deleteFilesAfter: number;
  /** Delete files removed, and written in their place (the deletes still needed, of rows kept). */
  deleteFilesRemoved: number;
  deleteFilesWritten: number;
  /** Rows of live data files, deleted ones included, and the deleted ones, before and after. */
  rowsBefore: number;
  deletedRowsBefore: number;
  rowsAfter: number;
  deletedRowsAfter: number;
  partitionsTouched: number;
  durationMs: number;
}

const sum = (values: readonly bigint[]) => values.reduce((n, v) => n + v, 0n);
const rowsOf = (files: readonly { recordCount: bigint }[]) => Number(sum(files.map((f) => f.recordCount)));

/**
 * Rewrites each planned partition's files, without their deleted rows, into as few files near the
 * target size as those rows fill; removes the delete files planned away and writes the deletes still
 * needed into one delete file per partition; and commits all of it as one replace snapshot. Rows
 * that commits made meanwhile deleted from the files it rewrote are deleted where they went (MovedRows),
 * so a table deleting rows at every commit is compacted all the same. Throws RewriteConflictError,
 * leaving the table as it is and removing what it wrote, when a concurrent commit removed one of the
 * files or wrote equality deletes.
 */
export async function runCompaction(
  catalog: Catalog,
  io: FileIO,
  plan: CompactionPlan,
): Promise<CompactionResult> {
  const started = Date.now();
  const { table, groups, options } = plan;
  const unchanged = {
    snapshotId: undefined,
    attempts: 0,
    plans: 1,
    filesBefore: plan.filesBefore,
    filesAfter: plan.filesBefore,
    smallFilesAfter: plan.smallFilesBefore,
    filesRewritten: 0,
    filesWritten: 0,
    bytesRewritten: 0,
    bytesWritten: 0,
    rowsRewritten: 0,
    rowsWritten: 0,
    deletedRowsRemoved: 0,
    deleteFilesBefore: plan.deleteFilesBefore,
    deleteFilesAfter: plan.deleteFilesBefore,
    deleteFilesRemoved: 0,
    deleteFilesWritten: 0,
    rowsBefore: plan.rowsBefore,
    deletedRowsBefore: plan.deletedRowsBefore,
    rowsAfter: plan.rowsBefore,
    deletedRowsAfter: plan.deletedRowsBefore,
    partitionsTouched: 0,
  } satisfies Omit<CompactionResult, 'durationMs'>;
  const elapsed = () => plan.planningMs + Date.now() - started;
  if (groups.length === 0) return { ...unchanged, durationMs: elapsed() };

  const {
    smallFileBytes: _small,
    deleteRatio: _ratio,
    maxPlans: _plans,
    minReplanBackoffMs: _min,
    maxReplanBackoffMs: _max,
    ...snapshotOptions
  } = options;
  const { parquet, targetFileSizeBytes: _target, ...replaceOptions } = snapshotOptions;
  const replace = await ReplaceFiles.start(catalog, io, table, replaceOptions);
  const files = new TableWriter(io, table, { parquet, targetFileSizeBytes: plan.targetFileSizeBytes });
  replace.removeOnFailure(files);
  const moved = new MovedRows();
  try {
    for (const group of groups) await rewriteGroup(io, table, files, replace, group, moved);
  } catch (error) {
    await replace.abort();
    throw error;
  }
  replace.followDeletes({
    write: async (deleted) => {
      const written = [];
      for (const { spec, deletes } of moved.follow(deleted))
        written.push(await files.deletePositions(deletes, spec));
      return written;
    },
  });
  const committed = await replace.commit();
  const rewritten = committed.removedFiles;
  const written = committed.dataFiles;
  const deletedRowsRemoved = groups.reduce(
    (n, g) => n + [...g.deleted.values()].reduce((m, positions) => m + positions.size, 0),
    0,
  );
  return {
    ...unchanged,
    snapshotId: committed.snapshotId,
    attempts: committed.attempts,
    filesAfter: plan.filesBefore - rewritten.length + written.length,
    smallFilesAfter:
      plan.smallFilesBefore -
      rewritten.filter((f) => f.fileSizeInBytes < BigInt(plan.smallFileBytes)).length +
      written.filter((f) => f.fileSizeInBytes < BigInt(plan.smallFileBytes)).length,
    filesRewritten: rewritten.length,
    filesWritten: written.length,
    bytesRewritten: Number(sum(rewritten.map((f) => f.fileSizeInBytes))),
    bytesWritten: Number(sum(written.map((f) => f.fileSizeInBytes))),
    rowsRewritten: rowsOf(rewritten),
    rowsWritten: rowsOf(written),
    deletedRowsRemoved,
    deleteFilesAfter:
      plan.deleteFilesBefore - committed.removedDeleteFiles.length + committed.deleteFiles.length,
    deleteFilesRemoved: committed.removedDeleteFiles.length,
    deleteFilesWritten: committed.deleteFiles.length,
    rowsAfter: plan.rowsBefore - rowsOf(rewritten) + rowsOf(written),
    deletedRowsAfter: plan.deletedRowsBefore - deletedRowsRemoved,
    partitionsTouched: groups.length,
    durationMs: elapsed(),
  };
}

/**
 * Reads a group's data files without their deleted rows into one rolling writer (the rows written must
 * be the live rows read), and hands the replace the files it removes and the deletes it carries.
 */
async function rewriteGroup(
  io: FileIO,
  table: LoadedTable,
  files: TableWriter,
  replace: ReplaceFiles,
  group: CompactionGroup,
  moved: MovedRows,
) {
  const deletedIn = (path: string) => group.deleted.get(path) ?? new Set<number>();
  if (group.files.length > 0) {
    const rows = sum(group.files.map((f) => f.file.recordCount));
    const bytes = sum(group.files.map((f) => f.file.fileSizeInBytes));
    const writer = files.rolling(
      group.partition,
      group.spec,
      rows === 0n ? undefined : Number(bytes) / Number(rows),
    );
    for (const file of group.files) {
      for (const batch of await readLiveBatches(io, table, file, deletedIn(file.file.filePath)))
        await writer.write(batch);
    }
    const rewritten = await writer.close();
    // Throws unless the rows written are the live rows read.
    moved.add(
      tableName(table.identifier),
      group.spec,
      group.files.map((f) => ({ file: f.file, deleted: deletedIn(f.file.filePath) })),
      rewritten,
    );
    replace.addDataFiles(rewritten, group.spec);
    replace.removeFiles(group.files.map((f) => f.file));
  }
  replace.removeDeleteFiles(group.deleteFiles.map((f) => f.file));
  if (group.carriedDeletes.length > 0)
    replace.addDeletes(await files.writePositionDeletes(group.carriedDeletes, group.spec));
}

/**
 * Plans and runs a compaction of the table's current snapshot that applies its deletes (see
 * planCompaction, runCompaction). When a concurrent commit wins (a file to rewrite was removed, or the
 * commit's attempts ran out on a busy table), what was written is removed and
 * the compaction is planned again from the new head, up to `maxPlans` times with a growing backoff.
 */
export async function compactTable(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  options: CompactionOptions = {},
): Promise<CompactionResult> {
  const started = Date.now();
  const { result, plans } = await withReplanning(options, async () =>
    runCompaction(catalog, io, await planCompaction(catalog, io, id, options)),
  );
  return { ...result, plans, durationMs: Date.now() - started };
}
