import type { DeadLetterReason } from '../decode/decoded';

/** Running totals of one pipeline, for Prometheus and the agent's metric events. */
export class PipelineMetrics {
  recordsIn = 0;
  bytesIn = 0;
  recordsCommitted = 0;
  commits = 0;
  dataFiles = 0;
  commitErrors = 0;
  fencedCommits = 0;
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
