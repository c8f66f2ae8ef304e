import { freshnessSeconds, type PartitionProgress } from './freshness';

export const MINUTE_MS = 60_000;

export interface ReportedPartition extends PartitionProgress {
  topic: string;
  partition: number;
}

/** One `commit.report` of an agent, as the evaluation needs it. */
export interface CommitReport {
  /** The agent's commit time (its clock). */
  committedAtMs: number;
  /** When the control plane stored the report (our clock). */
  receivedAtMs: number;
  partitions: ReportedPartition[];
}

/** What is known about a table's partitions, as of `observedAtMs` (our clock). */
export interface TableProgress {
  observedAtMs: number;
  partitions: ReportedPartition[];
}

/** Freshness of a table at the end of one minute. */
export interface MinuteFreshness {
  minuteStartMs: number;
  /** Infinity when a partition is behind with none of its records in the table. */
  seconds: number;
  withinSlo: boolean;
}

const partitionKey = (p: ReportedPartition) => `${p.topic}\u0000${p.partition}`;

/**
 * When a report was true: the agent's commit time, but never later than we received it, so an
 * agent clock running ahead cannot make a table look fresher than it was.
 */
export function observedAtMs(report: CommitReport): number {
  return Math.min(report.committedAtMs, report.receivedAtMs);
}

/**
 * The progress after one more report. Each report is the whole picture of the table's partitions;
 * an older report than the one known changes nothing (reports may be read twice or out of order).
 * The newest record a partition has in the table never goes back, so a report that leaves it out
 * (a partition this commit did not touch) keeps the one known before.
 */
export function applyReport(progress: TableProgress | null, report: CommitReport): TableProgress {
  const at = observedAtMs(report);
  if (progress && at < progress.observedAtMs) return progress;
  const known = new Map(progress?.partitions.map((p) => [partitionKey(p), p.newestCommittedRecordMs]));
  return {
    observedAtMs: at,
    partitions: report.partitions.map((p) => {
      const before = known.get(partitionKey(p)) ?? null;
      const now = p.newestCommittedRecordMs;
      return {
        ...p,
        newestCommittedRecordMs: now === null ? before : before === null ? now : Math.max(now, before),
      };
    }),
  };
}

/**
 * Freshness at the end of every minute in [fromMs, untilMs) (minute boundaries), starting from the
 * progress known at `fromMs` and applying each report once its minute has come. Without any report
 * yet there is nothing to measure, so such minutes are left out; once reports stop, freshness keeps
 * growing from the last one. Returns the progress as of `untilMs`: reports observed after it are not
 * applied, for the next evaluation to take.
 */
export function freshnessByMinute({
  progress,
  reports,
  fromMs,
  untilMs,
  sloSeconds,
}: {
  progress: TableProgress | null;
  reports: CommitReport[];
  fromMs: number;
  untilMs: number;
  sloSeconds: number;
}): { minutes: MinuteFreshness[]; progress: TableProgress | null } {
  const pending = [...reports].sort((a, b) => observedAtMs(a) - observedAtMs(b));
  let next = 0;
  let current = progress;
  const minutes: MinuteFreshness[] = [];
  for (let start = fromMs; start < untilMs; start += MINUTE_MS) {
    const end = start + MINUTE_MS;
    for (; next < pending.length && observedAtMs(pending[next] as CommitReport) <= end; next++)
      current = applyReport(current, pending[next] as CommitReport);
    if (!current) continue;
    const seconds = freshnessSeconds(current, end);
    minutes.push({ minuteStartMs: start, seconds, withinSlo: seconds <= sloSeconds });
  }
  return { minutes, progress: current };
}
