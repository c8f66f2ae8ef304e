import type { DeadLetterReason } from '../decode/decoded';

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
    for (const [key, end] of this.logEndOffsets) {
      const committed = this.committedOffsets.get(key) ?? 0n;
      if (end > committed) lag += end - committed;
    }
    return lag;
  }
}
