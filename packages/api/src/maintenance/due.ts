// When each kind of maintenance is due. Pure: the scheduler, "Run now" and the pipeline page all
// decide from the same facts.
import { type Cron, nextCronTime, parseCron } from './cron';
import { EVERY_MS, HOUR_MS, type MaintenanceKind, type MaintenancePolicy } from './policy';

/** A run that was sent and has not ended blocks the next of its kind, unless it went unanswered this long. */
export const OUTSTANDING_MS = HOUR_MS;
/** After a failed automatic compaction the small files are still there: wait before trying again. */
export const RETRY_AFTER_FAILURE_MS = HOUR_MS;

export type RunStatus = 'SENT' | 'RUNNING' | 'FINISHED' | 'FAILED';

export interface LastRun {
  status: RunStatus;
  sentAt: Date;
  finishedAt: Date | null;
}

export type Schedule =
  | { type: 'manual' }
  | { type: 'every'; ms: number }
  | { type: 'cron'; cron: Cron }
  | { type: 'small-files'; files: number; threshold: number };

export type NextRun =
  | { state: 'due' }
  | { state: 'outstanding'; sentAt: Date }
  | { state: 'at'; at: Date }
  | { state: 'small-files'; files: number; threshold: number }
  | { state: 'manual' };

export function isOutstanding(run: LastRun | null, now: Date): boolean {
  return (
    run !== null &&
    (run.status === 'SENT' || run.status === 'RUNNING') &&
    now.getTime() - run.sentAt.getTime() < OUTSTANDING_MS
  );
}

/** How the policy schedules a kind; `smallFiles` is the count of files committed since the last compaction. */
export function scheduleOf(kind: MaintenanceKind, policy: MaintenancePolicy, smallFiles: number): Schedule {
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
      return { type: 'small-files', files: smallFiles, threshold: policy.smallFileThreshold };
  }
}

/**
 * Whether a kind is due now, and if not, what it waits for. `last` is the newest run of the kind (an
 * outstanding run is always the newest: nothing of its kind is sent while it is out); `scheduledSince`
 * is when the policy was last saved (or the pipeline made), from which schedules count when nothing ran.
 */
export function nextRun(schedule: Schedule, last: LastRun | null, scheduledSince: Date, now: Date): NextRun {
  if (last && isOutstanding(last, now)) return { state: 'outstanding', sentAt: last.sentAt };
  const dueBy = (at: Date): NextRun => (at <= now ? { state: 'due' } : { state: 'at', at });
  switch (schedule.type) {
    case 'manual':
      return { state: 'manual' };
    case 'every':
      return dueBy(new Date((last?.sentAt ?? scheduledSince).getTime() + schedule.ms));
    case 'cron': {
      // Only times after the schedule was set count: a cron set today does not catch up on last night.
      const from = last && last.sentAt > scheduledSince ? last.sentAt : scheduledSince;
      return dueBy(nextCronTime(schedule.cron, from));
    }
    case 'small-files': {
      const retryAt =
        last?.status === 'FAILED' && last.finishedAt
          ? new Date(last.finishedAt.getTime() + RETRY_AFTER_FAILURE_MS)
          : null;
      if (schedule.files < schedule.threshold)
        return { state: 'small-files', files: schedule.files, threshold: schedule.threshold };
      return retryAt && retryAt > now ? { state: 'at', at: retryAt } : { state: 'due' };
    }
  }
}

export interface MaintenanceFacts {
  policy: MaintenancePolicy;
  /** The newest run of each kind, if any. */
  lastRuns: Record<MaintenanceKind, LastRun | null>;
  /** Data files the agent committed since the last finished compaction. */
  smallFiles: number;
  scheduledSince: Date;
}

/** What each kind waits for, or that it is due. */
export function planMaintenance(facts: MaintenanceFacts, now: Date): Record<MaintenanceKind, NextRun> {
  const plan = (kind: MaintenanceKind) =>
    nextRun(
      scheduleOf(kind, facts.policy, facts.smallFiles),
      facts.lastRuns[kind],
      facts.scheduledSince,
      now,
    );
  return {
    'table.compact': plan('table.compact'),
    'table.expire-snapshots': plan('table.expire-snapshots'),
    'table.remove-orphans': plan('table.remove-orphans'),
  };
}
