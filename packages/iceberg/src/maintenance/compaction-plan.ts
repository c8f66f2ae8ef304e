import { type Catalog, type LoadedTable, type TableIdentifier, tableName } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import { DeletedRows, mayApplyTo } from '../reader/delete-files';
import { type LiveFile, liveFiles } from '../reader/live-files';
import type { PartitionSpec } from '../spec/partition-spec';
import { type IcebergValue, tupleKey } from '../spec/values';
import type { SnapshotOptions } from '../transaction/snapshot-producer';
import { forEachLimited } from '../util/limited';
import type { PositionDeletes } from '../writer/position-delete-file';
import { targetFileSize } from '../writer/rolling-writer';
import type { TableWriterOptions } from '../writer/table-writer';
import type { ReplanOptions } from './replan';

/**
 * Summary (a function of the parent carries e.g. ingest offsets forward), Parquet, commit retry, size,
 * delete and re-planning options (compactTable plans again from the new head when a concurrent commit wins).
 */
export interface CompactionOptions extends SnapshotOptions, TableWriterOptions, ReplanOptions {
  /** Files smaller than this are rewritten (default 75% of the target size). */
  smallFileBytes?: number;
  /**
   * Data files whose deleted rows reach this share of their rows are rewritten without them, whatever
   * their size (default 0.2). Every table with deleted rows at this share of its rows has such files.
   */
  deleteRatio?: number;
}

export const DEFAULT_DELETE_RATIO = 0.2;

/** What is rewritten in one partition (of one spec). */
export interface CompactionGroup {
  spec: PartitionSpec;
  partition: IcebergValue[];
  /** Data files rewritten together into new files, without their deleted rows. */
  files: LiveFile[];
  /** The positions of each rewritten file's rows (by path) that delete files delete: left out. */
  deleted: ReadonlyMap<string, ReadonlySet<number>>;
  /** Position delete files removed: those of the partition, once any of them is no longer needed as it is. */
  deleteFiles: LiveFile[];
  /** The deletes of the removed delete files that still apply to data files kept: written to one new file. */
  carriedDeletes: PositionDeletes[];
}

export interface CompactionPlan {
  /** The table as planned: the replace is built on its current snapshot first. */
  table: LoadedTable;
  groups: CompactionGroup[];
  /** Live data files of the planned snapshot, and how many of them are small. */
  filesBefore: number;
  smallFilesBefore: number;
  /** Live position delete files of the planned snapshot, and the rows they delete in live data files. */
  deleteFilesBefore: number;
  deletedRowsBefore: number;
  /** Rows of the live data files, deleted ones included (what a reader reads before applying deletes). */
  rowsBefore: number;
  smallFileBytes: number;
  targetFileSizeBytes: number;
  deleteRatio: number;
  options: CompactionOptions;
  planningMs: number;
}

const MIN_FILES_PER_PARTITION = 2;

/** A partition's live data and position delete files (deletion vectors among them), as planned on. */
interface Partition {
  spec: PartitionSpec;
  partition: IcebergValue[];
  data: LiveFile[];
  deletes: LiveFile[];
}

function byPartition(table: LoadedTable, files: readonly LiveFile[]): Map<string, Partition> {
  const partitions = new Map<string, Partition>();
  for (const f of files) {
    const key = `${f.specId}|${tupleKey(f.file.partition)}`;
    let p = partitions.get(key);
    if (p === undefined) {
      const spec = table.metadata.partitionSpecs.find((s) => s.specId === f.specId) as PartitionSpec;
      p = { spec, partition: f.file.partition, data: [], deletes: [] };
      partitions.set(key, p);
    }
    (f.file.content === 0 ? p.data : p.deletes).push(f);
  }
  return partitions;
}

/**
 * Plans a bin-pack compaction of the table's current snapshot that applies its position deletes. Per
 * partition (of whichever spec its files were written with): the data files whose deleted rows reach
 * the delete ratio (all of them when every row is deleted), and the small ones where at least two are
 * small or a file is rewritten anyway, are rewritten together without their deleted rows. The
 * partition's position delete files are all removed once one of them is no longer needed as it is (it
 * applies to a rewritten file, or to no live row), or when there are several: the deletes still
 * needed, of data files kept, go into one new delete file. A deletion vector is removed with its data
 * file and never carried. Tables with equality deletes are refused.
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
  const deleteRatio = options.deleteRatio ?? DEFAULT_DELETE_RATIO;
  if (!(deleteRatio > 0 && deleteRatio <= 1))
    throw new Error(`deleteRatio must be above 0 and at most 1, got ${deleteRatio}`);
  const files = await liveFiles(io, metadata);
  const equality = files.filter((f) => f.file.content === 2);
  if (equality.length > 0) {
    throw new Error(
      `${tableName(id)}: the table has ${equality.length} equality delete files (${equality[0]?.file.filePath}, ...); compaction applies position deletes only`,
    );
  }
  const positionDeletes = files.filter((f) => f.file.content === 1);
  const deletedRows = new DeletedRows(io);
  await forEachLimited(positionDeletes, async (d) => void (await deletedRows.of(d.file)));

  const groups: CompactionGroup[] = [];
  let smallFiles = 0;
  let deletedBefore = 0;
  for (const p of byPartition(table, files).values()) {
    const planned = await planPartition(
      p,
      deletedRows,
      (f) => f.file.fileSizeInBytes < BigInt(small),
      deleteRatio,
    );
    smallFiles += planned.smallFiles;
    deletedBefore += planned.deletedRows;
    if (planned.group !== undefined) groups.push(planned.group);
  }
  const dataFiles = files.filter((f) => f.file.content === 0);
  return {
    table,
    groups,
    filesBefore: dataFiles.length,
    smallFilesBefore: smallFiles,
    deleteFilesBefore: positionDeletes.length,
    deletedRowsBefore: deletedBefore,
    rowsBefore: dataFiles.reduce((n, f) => n + Number(f.file.recordCount), 0),
    smallFileBytes: small,
    targetFileSizeBytes: target,
    deleteRatio,
    options,
    planningMs: Date.now() - started,
  };
}

/** What compaction does in one partition, and what it found there. */
async function planPartition(
  p: Partition,
  deletedRows: DeletedRows,
  isSmall: (f: LiveFile) => boolean,
  deleteRatio: number,
): Promise<{ group: CompactionGroup | undefined; smallFiles: number; deletedRows: number }> {
  const deleted = new Map<string, Set<number>>();
  for (const f of p.data) deleted.set(f.file.filePath, await deletedRows.positions(f, p.deletes));
  const deletedIn = (f: LiveFile) => deleted.get(f.file.filePath) as Set<number>;
  const smallOnes = p.data.filter(isSmall);
  const rewrite = new Set(
    p.data.filter(
      (f) => deletedIn(f).size > 0 && deletedIn(f).size >= deleteRatio * Number(f.file.recordCount),
    ),
  );
  if (rewrite.size > 0 || smallOnes.length >= MIN_FILES_PER_PARTITION)
    for (const f of smallOnes) rewrite.add(f);
  const kept = p.data.filter((f) => !rewrite.has(f));
  // A deletion vector (v3) applies to its one data file: it goes when that file is rewritten or gone.
  const keptPaths = new Set(kept.map((f) => f.file.filePath));
  const vectors = p.deletes.filter((d) => d.file.referencedDataFile !== undefined);
  const stays = (d: LiveFile) => keptPaths.has(d.file.referencedDataFile as string);
  // Files are removed by path: a Puffin file that also holds a vector still needed (other writers put
  // several in one) stays whole; a vector of a data file that is gone deletes nothing.
  const needed = new Set(vectors.filter(stays).map((d) => d.file.filePath));
  const droppedVectors = vectors.filter((d) => !stays(d) && !needed.has(d.file.filePath));
  // Several delete files become one; a single one stays unless some of its deletes no longer apply to a kept row.
  const deleteFiles = p.deletes.filter((d) => d.file.referencedDataFile === undefined);
  const removeDeletes =
    deleteFiles.length > 1 ||
    (deleteFiles.length === 1 && !(await onlyKeptRows(deleteFiles[0] as LiveFile, kept, deletedRows)));
  const found = {
    smallFiles: smallOnes.length,
    deletedRows: p.data.reduce((n, f) => n + deletedIn(f).size, 0),
  };
  if (rewrite.size === 0 && !removeDeletes && droppedVectors.length === 0)
    return { group: undefined, ...found };
  const group: CompactionGroup = {
    spec: p.spec,
    partition: p.partition,
    files: [...rewrite],
    deleted: new Map([...rewrite].map((f) => [f.file.filePath, deletedIn(f)])),
    deleteFiles: [...(removeDeletes ? deleteFiles : []), ...droppedVectors],
    carriedDeletes: removeDeletes ? await carried(kept, deleteFiles, deletedRows) : [],
  };
  return { group, ...found };
}

/** The rows of kept data files that the removed delete files delete (vectors stay, so theirs are not carried). */
async function carried(
  kept: readonly LiveFile[],
  deleteFiles: readonly LiveFile[],
  deletedRows: DeletedRows,
): Promise<PositionDeletes[]> {
  const out: PositionDeletes[] = [];
  for (const f of kept) {
    const positions = await deletedRows.positions(f, deleteFiles);
    if (positions.size > 0)
      out.push({ dataFile: f.file, positions: [...positions].sort((a, b) => a - b).map(BigInt) });
  }
  return out;
}

/** Whether every row a delete file deletes is a row of one of the kept data files it applies to. */
async function onlyKeptRows(
  d: LiveFile,
  kept: readonly LiveFile[],
  deletedRows: DeletedRows,
): Promise<boolean> {
  const byPath = await deletedRows.of(d.file);
  let applying = 0;
  for (const f of kept) if (mayApplyTo(d, f)) applying += byPath.get(f.file.filePath)?.length ?? 0;
  return applying === Number(d.file.recordCount);
}
