import type { Snapshot, TableMetadata } from '@floe/iceberg';
import type { HandedRange } from './handover';
import { carriedOffsets, encodeOffsets, type OffsetMap, offsetsKey, tableOffsets } from './offsets';
import { chainRanges, FencedError, type PartitionCommit } from './table-commit';

/** What is held for one topic-partition since the last commit (the rows themselves are in the writer). */
export interface PartitionBuffer {
  topic: string;
  partition: number;
  records: number;
  /** The partition's offset in the table when its first row here was read: the commit requires it unchanged. */
  base: bigint | undefined;
  /** The offset after the last record taken (good or dead-lettered). */
  nextOffset: bigint;
  newestRecordMs: bigint | null;
}

/**
 * A sink's offsets, apart from its rows: per partition, where the table was when the records held
 * were first read and where they end. A commit and a hand-over land exactly these ranges, so the
 * fence they pass (each range starts where the table is) lives here once.
 */
export class HeldPartitions {
  private readonly buffers = new Map<string, PartitionBuffer>();
  /** What the table held for this pipeline when last read or committed: the base of every buffered partition. */
  committed: OffsetMap = new Map();

  constructor(
    private readonly pipelineId: string,
    private readonly name: string,
  ) {}

  get size(): number {
    return this.buffers.size;
  }

  has(key: string): boolean {
    return this.buffers.has(key);
  }

  delete(key: string): void {
    this.buffers.delete(key);
  }

  clear(): void {
    this.buffers.clear();
  }

  /** The partition's buffer, begun at the table's offset when it is new. */
  buffer(key: string, record: { topic: string; partition: number }): PartitionBuffer {
    let buffer = this.buffers.get(key);
    if (buffer === undefined) {
      const base = this.committed.get(key);
      buffer = {
        topic: record.topic,
        partition: record.partition,
        records: 0,
        base,
        nextOffset: base ?? 0n,
        newestRecordMs: null,
      };
      this.buffers.set(key, buffer);
    }
    return buffer;
  }

  /** The partitions held now, for one commit (its summary and its outcome read the same list). */
  snapshot(): [string, PartitionBuffer][] {
    return [...this.buffers.entries()];
  }

  /**
   * The snapshot summary a commit of `held` on `metadata` carries: the table's offsets with each held
   * range applied. Throws FencedError when another writer moved one of the partitions.
   */
  summary(
    parent: Snapshot | undefined,
    metadata: TableMetadata,
    held: [string, PartitionBuffer][],
  ): Record<string, string> {
    const next = chainRanges(
      tableOffsets(metadata, this.pipelineId),
      held.map(([key, b]) => ({ key, from: b.base, to: b.nextOffset })),
    );
    if (!(next instanceof Map)) {
      throw new FencedError(
        `${this.name}: another writer committed ${next.moved.join(', ')} since these rows were read; they are read again`,
      );
    }
    return { ...carriedOffsets(parent), [offsetsKey(this.pipelineId)]: encodeOffsets(next) };
  }

  /** What a commit of `held` reports per partition. */
  static commits(held: [string, PartitionBuffer][]): PartitionCommit[] {
    return held.map(([, b]) => ({
      topic: b.topic,
      partition: b.partition,
      nextOffset: b.nextOffset,
      records: b.records,
      newestRecordMs: b.newestRecordMs,
    }));
  }

  /** Gives up every held range (a hand-over): the next ranges start where these end. */
  handOver(): HandedRange[] {
    const ranges = [...this.buffers].map(([key, b]) => ({
      key,
      topic: b.topic,
      partition: b.partition,
      from: b.base ?? null,
      to: b.nextOffset,
      records: b.records,
      newestRecordMs: b.newestRecordMs,
    }));
    for (const range of ranges) this.committed.set(range.key, range.to);
    this.buffers.clear();
    return ranges;
  }
}
