// When each kind of maintenance is due. Pure: the scheduler, "Run now" and the pipeline page all
// decide from the same facts.
import { type Cron, nextCronTime, parseCron } from '@floe/pure';
import { EVERY_MS, HOUR_MS, type MaintenanceKind, type MaintenancePolicy } from './policy';

/** A run that was sent and has not ended blocks the next of its kind, unless it went unanswered this long. */
export const OUTSTANDING_MS = HOUR_MS;

const MINUTE_MS = 60_000;
/**
 * After a failed compaction its small files are still there: it is tried again, soon when a concurrent
 * commit won (a busy table: 1, 2, 4, ... minutes, at most 30), later for other errors (5, 10, 20, ...
 * minutes, at most an hour). Each failure in a row doubles the wait.
 */
export const CONFLICT_RETRY_MS = MINUTE_MS;
export const CONFLICT_RETRY_MAX_MS = 30 * MINUTE_MS;
export const FAILURE_RETRY_MS = 5 * MINUTE_MS;
export const RETRY_AFTER_FAILURE_MS = HOUR_MS;
/** A cron compaction that failed is tried again this many times before its next firing. */
export const CRON_RETRIES = 5;

export type RunStatus = 'SENT' | 'RUNNING' | 'FINISHED' | 'FAILED';

export interface LastRun {
  status: RunStatus;
  sentAt: Date;
  finishedAt: Date | null;
  /** What the agent reported: its figures (a compaction's outcome of each step), or its error. */
  result?: unknown;
  error?: string | null;
}

/** The failed compactions at the head of a table's history: how many in a row, the newest's end, its cause. */
export interface Failures {
  count: number;
  lastAt: Date;
  /** A concurrent commit won (RewriteConflictError, CommitFailedError): the table was busy, not broken. */
  conflict: boolean;
}

const CONFLICT = /^(RewriteConflictError|CommitFailedError)\b/;

/**
 * Whether a compaction run failed to rewrite the data files: the whole run failed, or it finished
 * with its data-file step failed (its manifest step may have done its work). Null when it did not fail.
 */
export function compactionFailure(run: LastRun): { error: string; conflict: boolean } | null {
  const result = (run.result ?? null) as Record<string, unknown> | null;
  let error: string;
  if (run.status === 'FAILED') error = run.error ?? 'failed';
  else if (run.status === 'FINISHED' && result?.filesOutcome === 'failed')
    error = String(result.filesError ?? 'failed');
  else return null;
  return { error, conflict: CONFLICT.test(error) };
}

/** The failures in a row at the head of `runs` (a kind's runs, newest first); null when the newest did not fail. */
export function failuresInARow(runs: readonly LastRun[]): Failures | null {
  let failures: Failures | null = null;
  for (const run of runs) {
    const failure = compactionFailure(run);
    if (failure === null) break;
    failures ??= {
      count: 0,
      lastAt: run.finishedAt ?? run.sentAt,
      conflict: failure.conflict,
    };
    failures.count += 1;
  }
  return failures;
}

/** How long after the newest failure the next try goes out. */
export function retryDelayMs(failures: Failures): number {
  const [base, max] = failures.conflict
    ? [CONFLICT_RETRY_MS, CONFLICT_RETRY_MAX_MS]
    : [FAILURE_RETRY_MS, RETRY_AFTER_FAILURE_MS];
  return Math.min(max, base * 2 ** Math.min(20, failures.count - 1));
}

/**
 * What the table's delete files delete, as last reported: by a commit (its snapshot's summary) or by
 * a compaction (what it left). Readers read every row of the data files and drop the deleted ones.
 */
export interface TableDeletes {
  at: Date;
  source: 'commit' | 'compaction';
  /** Rows in the data files, deleted ones included. */
  rows: number;
  deletedRows: number;
  deleteFiles: number;
}

/** The deleted rows' share of the rows readers read (0 for an empty table). */
export const deletedShare = (d: TableDeletes): number => (d.rows === 0 ? 0 : d.deletedRows / d.rows);

/** The table's deleted share, and the share at which automatic compaction applies the deletes. */
export interface DeleteShare {
  share: number;
  threshold: number;
}

export type Schedule =
  | { type: 'manual' }
  | { type: 'every'; ms: number }
  | { type: 'cron'; cron: Cron }
  | { type: 'small-files'; files: number; threshold: number; deletes?: DeleteShare };

export type NextRun =
  | { state: 'due' }
  | { state: 'outstanding'; sentAt: Date }
  | { state: 'at'; at: Date }
  | { state: 'retry'; at: Date; failures: number; conflict: boolean }
  | { state: 'small-files'; files: number; threshold: number; deletes?: DeleteShare }
  | { state: 'manual' };

export function isOutstanding(run: LastRun | null, now: Date): boolean {
  return (
    run !== null &&
    (run.status === 'SENT' || run.status === 'RUNNING') &&
    now.getTime() - run.sentAt.getTime() < OUTSTANDING_MS
  );
}

/**
 * How the policy schedules a kind; `smallFiles` is the count of files committed since the last
 * compaction that rewrote them, `deletes` what the table's delete files delete (if it has reported it).
 */
export function scheduleOf(
  kind: MaintenanceKind,
  policy: MaintenancePolicy,
  smallFiles: number,
  deletes: TableDeletes | null = null,
): Schedule {
  const every = (e: 'hourly' | 'daily' | 'weekly' | 'manual'): Schedule =>
    e === 'manual' ? { type: 'manual' } : { type: 'every', ms: EVERY_MS[e] };
  if (kind === 'table.expire-snapshots') return every(policy.expiryEvery);
  if (kind === 'table.remove-orphans') return every(policy.orphansEvery);
  switch (policy.compactionMode) {
    case 'manual':
      return { type: 'manual' };
    case 'cron':
      return { type: 'cron', cron: parseCron(policy.compactionCron) };
    case 'auto':
      return {
        type: 'small-files',
        files: smallFiles,
        threshold: policy.smallFileThreshold,
        ...(deletes !== null && {
          deletes: { share: deletedShare(deletes), threshold: policy.deleteRatioPercent / 100 },
        }),
      };
  }
}

/**
 * Whether a kind is due now, and if not, what it waits for. `last` is the newest run of the kind (an
 * outstanding run is always the newest: nothing of its kind is sent while it is out); `scheduledSince`
 * is when the policy was last saved (or the pipeline made), from which schedules count when nothing ran;
 * `failures` are the failed runs in a row before now (compaction only), which bring a retry forward.
 */
export function nextRun(
  schedule: Schedule,
  last: LastRun | null,
  scheduledSince: Date,
  now: Date,
  failures: Failures | null = null,
): NextRun {
  if (last && isOutstanding(last, now)) return { state: 'outstanding', sentAt: last.sentAt };
  const dueBy = (at: Date): NextRun => (at <= now ? { state: 'due' } : { state: 'at', at });
  const retry = (f: Failures): NextRun => {
    const at = new Date(f.lastAt.getTime() + retryDelayMs(f));
    return at <= now ? { state: 'due' } : { state: 'retry', at, failures: f.count, conflict: f.conflict };
  };
  switch (schedule.type) {
    case 'manual':
      return { state: 'manual' };
    case 'every':
      return dueBy(new Date((last?.sentAt ?? scheduledSince).getTime() + schedule.ms));
    case 'cron': {
      // Only times after the schedule was set count: a cron set today does not catch up on last night.
      const from = last && last.sentAt > scheduledSince ? last.sentAt : scheduledSince;
      const next = nextCronTime(schedule.cron, from);
      // A failed run is tried again a few times before the next firing, not only at it.
      if (failures && failures.count <= CRON_RETRIES && last && last.sentAt > scheduledSince) {
        const again = retry(failures);
        if (again.state === 'due' || (again.state === 'retry' && again.at < next)) return again;
      }
      return dueBy(next);
    }
    case 'small-files': {
      // The files are counted from the last compaction that rewrote them: a failed one does not reset
      // them. Deleted rows count as the table last reported them: a compaction's report brings them down.
      const { files, threshold, deletes } = schedule;
      if (files < threshold && (deletes === undefined || deletes.share < deletes.threshold))
        return { state: 'small-files', files, threshold, ...(deletes !== undefined && { deletes }) };
      return failures ? retry(failures) : { state: 'due' };
    }
  }
}

export interface MaintenanceFacts {
  policy: MaintenancePolicy;
  /** The newest run of each kind, if any. */
  lastRuns: Record<MaintenanceKind, LastRun | null>;
  /** The compactions that failed in a row up to now, if the newest did. */
  compactionFailures?: Failures | null;
  /**
   * Data and delete files the agent committed since the newest compaction whose data-file step did
   * its work started (a failed one, or one whose manifest step alone succeeded, does not reset them).
   */
  smallFiles: number;
  /** What the table's delete files delete, as last reported; null before any report says. */
  deletes?: TableDeletes | null;
  scheduledSince: Date;
}

/** What each kind waits for, or that it is due. */
export function planMaintenance(facts: MaintenanceFacts, now: Date): Record<MaintenanceKind, NextRun> {
  const plan = (kind: MaintenanceKind) =>
    nextRun(
      scheduleOf(kind, facts.policy, facts.smallFiles, facts.deletes ?? null),
      facts.lastRuns[kind],
      facts.scheduledSince,
      now,
      kind === 'table.compact' ? (facts.compactionFailures ?? null) : null,
    );
  return {
    'table.compact': plan('table.compact'),
    'table.expire-snapshots': plan('table.expire-snapshots'),
    'table.remove-orphans': plan('table.remove-orphans'),
  };
}
