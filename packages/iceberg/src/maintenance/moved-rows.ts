import type { DataFile } from '../spec/manifest';
import type { PartitionSpec } from '../spec/partition-spec';
import type { PositionDeletes } from '../writer/position-delete-file';

/** A data file a compaction read, and the rows of it left out (deleted when it was planned). */
interface ReadFile {
  /** Where its first live row went, counted over the rows its group wrote. */
  firstRow: number;
  recordCount: number;
  /** Positions left out, ascending. */
  deleted: number[];
  group: WrittenGroup;
}

interface WrittenGroup {
  spec: PartitionSpec;
  /** The files the group wrote, in the order its rows were written, and the first row of each. */
  files: DataFile[];
  firstRows: number[];
}

/**
 * Where each row of the data files a compaction rewrites went. A group's files are read in order,
 * without their deleted rows, into one rolling writer that keeps the order and cuts files one after
 * the other: the n-th live row read is the n-th row written. So a row deleted by a commit made while
 * the compaction ran can be deleted where it now is, and the compaction need not start over.
 */
export class MovedRows {
  private readonly read = new Map<string, ReadFile>();

  /**
   * Records a group of `table`: the files read in order with the positions left out of each, and the
   * files written. Throws unless the rows written are the live rows read (else no row can be followed).
   */
  add(
    table: string,
    spec: PartitionSpec,
    read: readonly { file: DataFile; deleted: ReadonlySet<number> }[],
    written: readonly DataFile[],
  ): void {
    const firstRows: number[] = [];
    let rows = 0;
    for (const f of written) {
      firstRows.push(rows);
      rows += Number(f.recordCount);
    }
    const group: WrittenGroup = { spec, files: [...written], firstRows };
    let firstRow = 0;
    for (const { file, deleted } of read) {
      const recordCount = Number(file.recordCount);
      const left = [...deleted].filter((p) => p < recordCount).sort((a, b) => a - b);
      this.read.set(file.filePath, { firstRow, recordCount, deleted: left, group });
      firstRow += recordCount - left.length;
    }
    if (firstRow !== rows) {
      throw new Error(`${table}: compaction read ${firstRow} live rows and wrote ${rows}`);
    }
  }

  /**
   * Positions deleted in rewritten data files (by path), as deletes of the rows where they went, by
   * partition spec. A position that was already left out of the rewrite deletes nothing new.
   */
  follow(
    deleted: ReadonlyMap<string, Iterable<number>>,
  ): { spec: PartitionSpec; deletes: PositionDeletes[] }[] {
    const byFile = new Map<DataFile, { spec: PartitionSpec; positions: Set<bigint> }>();
    for (const [path, positions] of deleted) {
      const from = this.read.get(path);
      if (from === undefined) throw new Error(`${path} was not rewritten: its deletes cannot be followed`);
      for (const pos of positions) {
        const to = this.locate(from, pos);
        if (to === undefined) continue;
        const entry = byFile.get(to.file) ?? { spec: from.group.spec, positions: new Set<bigint>() };
        entry.positions.add(BigInt(to.pos));
        byFile.set(to.file, entry);
      }
    }
    const bySpec = new Map<number, { spec: PartitionSpec; deletes: PositionDeletes[] }>();
    for (const [dataFile, { spec, positions }] of byFile) {
      const group = bySpec.get(spec.specId) ?? { spec, deletes: [] };
      group.deletes.push({ dataFile, positions: [...positions].sort((a, b) => (a < b ? -1 : 1)) });
      bySpec.set(spec.specId, group);
    }
    return [...bySpec.values()];
  }

  /** The written file and position of a read row; undefined for a row left out (or past the file's end). */
  private locate(from: ReadFile, pos: number): { file: DataFile; pos: number } | undefined {
    if (pos < 0 || pos >= from.recordCount) return undefined;
    const before = lowerBound(from.deleted, pos);
    if (from.deleted[before] === pos) return undefined;
    const row = from.firstRow + pos - before;
    const { files, firstRows } = from.group;
    const k = lowerBound(firstRows, row + 1) - 1;
    return { file: files[k] as DataFile, pos: row - (firstRows[k] as number) };
  }
}

/** The index of the first value not below `value` in an ascending list. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
