import { type Catalog, type LoadedTable, type TableIdentifier, tableName } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import { type LiveFile, liveFiles } from '../reader/live-files';
import { readDataFile } from '../reader/read-data-file';
import type { PartitionSpec } from '../spec/partition-spec';
import type { IcebergValue } from '../spec/values';
import { tupleKey } from '../transaction/data-files';
import { ReplaceFiles } from '../transaction/replace';
import type { SnapshotOptions } from '../transaction/snapshot-producer';
import { targetFileSize } from '../writer/rolling-writer';
import { type ReplanOptions, withReplanning } from './replan';

/**
 * Summary (a function of the parent carries e.g. ingest offsets forward), Parquet, commit retry, size
 * and re-planning options (compactTable plans again from the new head when a concurrent commit wins).
 */
export interface CompactionOptions extends SnapshotOptions, ReplanOptions {
  /** Files smaller than this are rewritten (default 75% of the target size). */
  smallFileBytes?: number;
}

/** The small files of one partition, rewritten together. */
export interface CompactionGroup {
  spec: PartitionSpec;
  partition: IcebergValue[];
  files: LiveFile[];
}

export interface CompactionPlan {
  /** The table as planned: the replace is built on its current snapshot first. */
  table: LoadedTable;
  groups: CompactionGroup[];
  /** Live data files of the planned snapshot, and how many of them are small. */
  filesBefore: number;
  smallFilesBefore: number;
  smallFileBytes: number;
  targetFileSizeBytes: number;
  options: CompactionOptions;
  planningMs: number;
}

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
  rowsRewritten: number;
  partitionsTouched: number;
  durationMs: number;
}

const MIN_FILES_PER_PARTITION = 2;

/**
 * Plans a bin-pack compaction of the table's current snapshot: per partition (of whichever spec its
 * files were written with), the data files below the small-file size, where there are at least two.
 */
export async function planCompaction(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  options: CompactionOptions = {},
): Promise<CompactionPlan> {
  const started = Date.now();
  const table = await catalog.loadTable(id);
  const { metadata } = table;
  const target = targetFileSize(metadata.properties, options.targetFileSizeBytes);
  const small = options.smallFileBytes ?? Math.floor(target * 0.75);
  const files = await liveFiles(io, metadata);
  if (files.some((f) => f.file.content !== 0)) {
    throw new Error(
      `${tableName(id)}: the table has delete files; compaction rewrites tables without them only`,
    );
  }
  const groups = new Map<string, CompactionGroup>();
  let smallFiles = 0;
  for (const f of files) {
    if (f.file.fileSizeInBytes >= BigInt(small)) continue;
    smallFiles += 1;
    const key = `${f.specId}|${tupleKey(f.file.partition)}`;
    let group = groups.get(key);
    if (group === undefined) {
      const spec = metadata.partitionSpecs.find((s) => s.specId === f.specId) as PartitionSpec;
      group = { spec, partition: f.file.partition, files: [] };
      groups.set(key, group);
    }
    group.files.push(f);
  }
  return {
    table,
    groups: [...groups.values()].filter((g) => g.files.length >= MIN_FILES_PER_PARTITION),
    filesBefore: files.length,
    smallFilesBefore: smallFiles,
    smallFileBytes: small,
    targetFileSizeBytes: target,
    options,
    planningMs: Date.now() - started,
  };
}

const sum = (values: readonly bigint[]) => values.reduce((n, v) => n + v, 0n);

/**
 * Rewrites each planned partition's files into as few files near the target size as their rows fill,
 * and commits all of it as one replace snapshot. Throws RewriteConflictError, leaving the table as it
 * is and removing what it wrote, when a concurrent commit removed one of the files.
 */
export async function runCompaction(
  catalog: Catalog,
  io: FileIO,
  plan: CompactionPlan,
): Promise<CompactionResult> {
  const started = Date.now();
  const { table, groups, options } = plan;
  const done = (
    outcome: Omit<CompactionResult, 'filesBefore' | 'durationMs' | 'plans'>,
  ): CompactionResult => ({
    plans: 1,
    filesBefore: plan.filesBefore,
    ...outcome,
    durationMs: plan.planningMs + Date.now() - started,
  });
  if (groups.length === 0) {
    return done({
      snapshotId: undefined,
      attempts: 0,
      filesAfter: plan.filesBefore,
      smallFilesAfter: plan.smallFilesBefore,
      filesRewritten: 0,
      filesWritten: 0,
      bytesRewritten: 0,
      bytesWritten: 0,
      rowsRewritten: 0,
      partitionsTouched: 0,
    });
  }

  const {
    smallFileBytes: _small,
    maxPlans: _plans,
    minReplanBackoffMs: _min,
    maxReplanBackoffMs: _max,
    ...snapshotOptions
  } = options;
  const replace = await ReplaceFiles.start(catalog, io, table, {
    ...snapshotOptions,
    targetFileSizeBytes: plan.targetFileSizeBytes,
  });
  try {
    for (const group of groups) await rewriteGroup(io, table, replace, group);
  } catch (error) {
    await replace.abort();
    throw error;
  }
  const committed = await replace.commit();
  const rewritten = committed.removedFiles;
  const written = committed.dataFiles;
  return done({
    snapshotId: committed.snapshotId,
    attempts: committed.attempts,
    filesAfter: plan.filesBefore - rewritten.length + written.length,
    smallFilesAfter:
      plan.smallFilesBefore -
      rewritten.length +
      written.filter((f) => f.fileSizeInBytes < BigInt(plan.smallFileBytes)).length,
    filesRewritten: rewritten.length,
    filesWritten: written.length,
    bytesRewritten: Number(sum(rewritten.map((f) => f.fileSizeInBytes))),
    bytesWritten: Number(sum(written.map((f) => f.fileSizeInBytes))),
    rowsRewritten: Number(sum(rewritten.map((f) => f.recordCount))),
    partitionsTouched: groups.length,
  });
}

/** Reads a group's files into one rolling writer; the rows written must be the rows read. */
async function rewriteGroup(io: FileIO, table: LoadedTable, replace: ReplaceFiles, group: CompactionGroup) {
  const rows = sum(group.files.map((f) => f.file.recordCount));
  const bytes = sum(group.files.map((f) => f.file.fileSizeInBytes));
  const writer = replace.writer(
    group.partition,
    group.spec,
    rows === 0n ? undefined : Number(bytes) / Number(rows),
  );
  for (const file of group.files) {
    for (const batch of await readDataFile(io, table, file)) await writer.write(batch);
  }
  const written = sum((await writer.close()).map((f) => f.recordCount));
  if (written !== rows) {
    throw new Error(`${tableName(table.identifier)}: compaction wrote ${written} rows for ${rows} read`);
  }
  replace.removeFiles(group.files.map((f) => f.file));
}

/**
 * Plans and runs a bin-pack compaction of the table's current snapshot (see planCompaction,
 * runCompaction). When a concurrent commit wins (a file to rewrite was removed, or the commit's
 * attempts ran out on a busy table), what was written is removed and the compaction is planned again
 * from the new head, up to `maxPlans` times with a growing backoff.
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
