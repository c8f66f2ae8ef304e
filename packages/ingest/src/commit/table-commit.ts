import { type SummaryTotals, summaryTotals, type TableMetadata } from '@floe/iceberg';
import type { OffsetMap } from './offsets';

/**
 * Another writer committed offsets for a partition this sink holds rows for: its rows are stale (a
 * zombie after a rebalance, or a second worker) and must be dropped and read again from the table's
 * offsets. This is Floe's fencing: a commit for a partition only lands if the table still holds the
 * offset the rows were read from. Also thrown when another writer changed the schema while this one
 * held rows of a schema it grew itself.
 */
export class FencedError extends Error {
  override name = 'FencedError';
}

export interface PartitionCommit {
  topic: string;
  partition: number;
  nextOffset: bigint;
  records: number;
  newestRecordMs: bigint | null;
}

export interface CommitOutcome {
  /** The table's name (namespace.table). */
  table: string;
  snapshotId: bigint;
  committedAtMs: number;
  records: number;
  bytes: number;
  dataFiles: number;
  /** Position delete files the commit added (an upsert's). */
  deleteFiles: number;
  /** The table after the commit, as its snapshot summary states it (undefined when it keeps no totals). */
  tableTotals: SummaryTotals | undefined;
  partitions: PartitionCommit[];
  /** The pipeline's offsets as the table holds them after this commit. */
  offsets: OffsetMap;
}

/** Records of one partition read from the table's offset `from` (undefined: the table held none) up to `to`. */
export interface OffsetRange {
  key: string;
  from: bigint | undefined;
  to: bigint;
}

/**
 * The fence every commit of a pipeline passes, per partition: a range lands only if it starts where
 * the table is. Returns the table's offsets with the ranges applied in order, or the partitions whose
 * range does not start there (another writer moved them since the records were read).
 */
export function chainRanges(
  inTable: OffsetMap,
  ranges: Iterable<OffsetRange>,
): OffsetMap | { moved: string[] } {
  const next = new Map(inTable);
  const moved: string[] = [];
  for (const range of ranges) {
    if (next.get(range.key) !== range.from) moved.push(range.key);
    else next.set(range.key, range.to);
  }
  return moved.length > 0 ? { moved } : next;
}

/** The totals the summary of the snapshot a commit made states. */
export function summaryOf(metadata: TableMetadata, snapshotId: bigint): SummaryTotals | undefined {
  const snapshot = metadata.snapshots.find((s) => s.snapshotId === snapshotId);
  return snapshot === undefined ? undefined : summaryTotals(snapshot.summary);
}
