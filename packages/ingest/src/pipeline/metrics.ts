import { type OffsetMap, parseTpKey, tpKey } from '../commit/offsets';
import type { CommitOutcome } from '../commit/table-commit';
import type { DeadLetterReason } from '../decode/decoded';
import type { PartitionProgress } from './observer';

/**
 * Milliseconds spent in each stage of ingest, summed (timed per batch and per commit, never per
 * record): reading fetched batches, taking records (decode, map, fit, build columns), encoding Parquet,
 * uploading data files, committing to the catalog. Encoding runs off the main thread and uploads wait
 * on the network, so these are times, not CPU: the benchmark reports them beside the process's CPU.
 */
export class StageClock {
  readonly ms = { read: 0, take: 0, encode: 0, upload: 0, commit: 0 };

  async time<T>(stage: keyof StageClock['ms'], work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.ms[stage] += performance.now() - started;
    }
  }

  timeSync<T>(stage: keyof StageClock['ms'], work: () => T): T {
    const started = performance.now();
    const result = work();
    this.ms[stage] += performance.now() - started;
    return result;
  }
}

/** How far one partition's table is behind its log, for autoscaling and alerts. */
export interface PartitionLag {
  topic: string;
  partition: number;
  /** Log-end offset last seen minus the table's next offset (0 when the table is level or ahead). */
  records: bigint;
  /**
   * 0 when no record waits; otherwise now minus the timestamp of the newest committed record: the
   * records waiting follow that one in the partition, so this bounds how long the oldest has waited
   * (within producer clock skew). Null when records wait and none has been committed yet.
   */
  seconds: number | null;
}

/** Running totals of one pipeline, for Prometheus and the agent's metric events. */
export class PipelineMetrics {
  recordsIn = 0;
  bytesIn = 0;
  recordsCommitted = 0;
  commits = 0;
  dataFiles = 0;
  commitErrors = 0;
  fencedCommits = 0;
  readonly stages = new StageClock();
  readonly deadLetters = new Map<DeadLetterReason | 'skipped', number>();
  /** Per topic-partition ("topic:partition"): the table's next offset and the log-end offset last seen. */
  readonly committedOffsets = new Map<string, bigint>();
  readonly logEndOffsets = new Map<string, bigint>();
  /** Per topic-partition: the timestamp of the newest record committed so far (kept across commits). */
  readonly newestRecordMs = new Map<string, bigint>();

  /**
   * Where the tables say the pipeline resumes, for partitions no commit of this run has set yet: so lag
   * counts from the table's offsets from the start, not from offset 0 until the first commit.
   */
  resumeFrom(offsets: OffsetMap): void {
    for (const [key, offset] of offsets)
      if (!this.committedOffsets.has(key)) this.committedOffsets.set(key, offset);
  }

  /** Partitions this member no longer reads: their lag and progress are another member's to report now. */
  keepOnly(assigned: ReadonlySet<string>): void {
    for (const key of [...this.logEndOffsets.keys()]) if (!assigned.has(key)) this.logEndOffsets.delete(key);
  }

  /** A commit landed: its counts, and each of its partitions' newest record. */
  recordCommit(outcome: CommitOutcome): void {
    this.commits += 1;
    this.recordsCommitted += outcome.records;
    this.dataFiles += outcome.dataFiles;
    for (const p of outcome.partitions) this.committedRecordAt(tpKey(p.topic, p.partition), p.newestRecordMs);
  }

  /** A partition's newest committed record moves to `ms` when that is newer. */
  committedRecordAt(key: string, ms: bigint | null): void {
    const before = this.newestRecordMs.get(key);
    if (ms !== null && (before === undefined || ms > before)) this.newestRecordMs.set(key, ms);
  }

  /** The partitions this member has read (others' are theirs to report), as the tables hold them. */
  progress(): PartitionProgress[] {
    const seen = [...this.committedOffsets].filter(([key]) => this.logEndOffsets.has(key));
    return seen.map(([key, committedOffset]) => ({
      ...parseTpKey(key),
      committedOffset,
      logEndOffset: this.logEndOffsets.get(key) ?? committedOffset,
      newestCommittedRecordMs: this.newestRecordMs.get(key) ?? null,
    }));
  }

  /** The newest committed record over all partitions. */
  newestCommittedRecordMs(): bigint | null {
    let newest: bigint | null = null;
    for (const ms of this.newestRecordMs.values()) if (newest === null || ms > newest) newest = ms;
    return newest;
  }

  countDeadLetter(reason: DeadLetterReason | 'skipped'): void {
    this.deadLetters.set(reason, (this.deadLetters.get(reason) ?? 0) + 1);
  }

  /** Records behind the log end, over the partitions whose log end is known. */
  lagRecords(): bigint {
    let lag = 0n;
    for (const key of this.logEndOffsets.keys()) lag += this.partitionLagRecords(key);
    return lag;
  }

  /** Per partition whose log end is known: records and seconds behind (see PartitionLag). */
  partitionLags(nowMs: number): PartitionLag[] {
    return [...this.logEndOffsets.keys()].map((key) => {
      const records = this.partitionLagRecords(key);
      const newest = this.newestRecordMs.get(key);
      const seconds =
        records === 0n ? 0 : newest === undefined ? null : Math.max(0, nowMs - Number(newest)) / 1000;
      return { ...parseTpKey(key), records, seconds };
    });
  }

  private partitionLagRecords(key: string): bigint {
    const end = this.logEndOffsets.get(key) ?? 0n;
    const committed = this.committedOffsets.get(key) ?? 0n;
    return end > committed ? end - committed : 0n;
  }
}
