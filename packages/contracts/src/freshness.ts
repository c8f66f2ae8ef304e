/** What the agent reports per topic-partition with each commit (metadata only). */
export interface PartitionProgress {
  /** Next offset the table holds (everything below it is committed). */
  committedOffset: bigint;
  /** Log-end offset seen by the agent when it committed. */
  logEndOffset: bigint;
  /** Timestamp (ms since epoch) of the newest record the table holds from this partition. */
  newestCommittedRecordMs: number | null;
}

export interface FreshnessInput {
  partitions: PartitionProgress[];
  /** When the agent read the log-end offsets (ms since epoch, the agent's clock). */
  observedAtMs: number;
}

/**
 * The time up to which the table is complete. A partition with nothing left to read (committed
 * = log end) holds everything produced up to the observation, whatever the age of its last
 * record: an idle partition is not stale. A partition that is behind holds everything up to its
 * newest committed record, and the table is only as complete as its most-behind partition.
 */
export function completeUpToMs({ partitions, observedAtMs }: FreshnessInput): number {
  let completeUpTo = observedAtMs;
  for (const p of partitions) {
    if (p.committedOffset >= p.logEndOffset) continue;
    // Behind with nothing committed yet: the table is not complete for any time at all.
    const upTo = p.newestCommittedRecordMs ?? Number.NEGATIVE_INFINITY;
    completeUpTo = Math.min(completeUpTo, upTo);
  }
  return completeUpTo;
}

/**
 * Freshness in seconds at `nowMs` (how far behind "now" the table's completeness is). Never
 * negative: an agent clock ahead of ours must not make a table look fresher than now.
 */
export function freshnessSeconds(input: FreshnessInput, nowMs: number): number {
  const upTo = completeUpToMs(input);
  if (upTo === Number.NEGATIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return Math.max(0, (nowMs - upTo) / 1000);
}
