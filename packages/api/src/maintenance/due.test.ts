import { parseCron } from '@floe/pure';
import { describe, expect, it } from 'vitest';
import {
  CONFLICT_RETRY_MAX_MS,
  compactionFailure,
  failuresInARow,
  isOutstanding,
  type LastRun,
  nextRun,
  planMaintenance,
  RETRY_AFTER_FAILURE_MS,
  retryDelayMs,
  type Schedule,
  scheduleOf,
} from './due';
import {
  DEFAULT_POLICY,
  effectivePolicy,
  type MaintenancePolicy,
  maintenancePolicySchema,
  policyWithin,
} from './policy';

const now = new Date('2026-11-25T12:00:05Z');
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const run = (status: LastRun['status'], sentMinutesAgo: number, finishedMinutesAgo?: number): LastRun => ({
  status,
  sentAt: ago(sentMinutesAgo),
  finishedAt: finishedMinutesAgo === undefined ? null : ago(finishedMinutesAgo),
});
const since = ago(7 * 24 * 60);

describe('automatic compaction: when enough small files piled up since the last compaction', () => {
  const smallFiles = (files: number): Schedule => ({ type: 'small-files', files, threshold: 50 });

  it('is due at the threshold, not before', () => {
    expect(nextRun(smallFiles(49), null, since, now)).toEqual({
      state: 'small-files',
      files: 49,
      threshold: 50,
    });
    expect(nextRun(smallFiles(50), null, since, now)).toEqual({ state: 'due' });
    expect(nextRun(smallFiles(50), run('FINISHED', 30, 20), since, now)).toEqual({ state: 'due' });
  });

  it('tries a compaction that lost to a concurrent commit again in minutes, doubling the wait each time', () => {
    const lost = run('FAILED', 3, 2);
    lost.error =
      'RewriteConflictError: demo.orders: 28 of the manifests to rewrite are no longer in the table';
    const failures = failuresInARow([lost]);
    expect(failures).toEqual({ count: 1, lastAt: ago(2), conflict: true });
    expect(nextRun(smallFiles(80), lost, since, now, failures)).toEqual({ state: 'due' });
    const recent = { ...lost, finishedAt: ago(0.5) };
    expect(nextRun(smallFiles(80), recent, since, now, failuresInARow([recent]))).toEqual({
      state: 'retry',
      at: ago(-0.5),
      failures: 1,
      conflict: true,
    });
    // Three in a row: 4 minutes after the newest; never more than 30.
    const three = failuresInARow([recent, lost, lost]);
    expect(nextRun(smallFiles(80), recent, since, now, three)).toMatchObject({ at: ago(0.5 - 4) });
    expect(retryDelayMs({ count: 12, lastAt: now, conflict: true })).toBe(CONFLICT_RETRY_MAX_MS);
  });

  it('waits longer after other failures: 5 minutes, doubling up to an hour', () => {
    const broken = { ...run('FAILED', 3, 2), error: 'S3ServiceException: Access Denied' };
    expect(nextRun(smallFiles(80), broken, since, now, failuresInARow([broken]))).toEqual({
      state: 'retry',
      at: ago(2 - 5),
      failures: 1,
      conflict: false,
    });
    expect(retryDelayMs({ count: 9, lastAt: now, conflict: false })).toBe(RETRY_AFTER_FAILURE_MS);
    // Not enough files: what it waits for is the files, whatever failed.
    expect(nextRun(smallFiles(3), broken, since, now, failuresInARow([broken])).state).toBe('small-files');
  });

  it('counts a run whose data-file step failed as failed, one whose manifest step alone failed as done', () => {
    const filesFailed = {
      ...run('FINISHED', 3, 2),
      result: { filesOutcome: 'failed', filesError: 'CommitFailedError: 409', manifestsOutcome: 'rewritten' },
    };
    const manifestsFailed = {
      ...run('FINISHED', 10, 9),
      result: { filesOutcome: 'rewritten', manifestsOutcome: 'failed', manifestsError: 'Error: x' },
    };
    expect(compactionFailure(filesFailed)).toEqual({ error: 'CommitFailedError: 409', conflict: true });
    expect(compactionFailure(manifestsFailed)).toBeNull();
    expect(failuresInARow([filesFailed, manifestsFailed, filesFailed])).toEqual({
      count: 1,
      lastAt: ago(2),
      conflict: true,
    });
    expect(failuresInARow([manifestsFailed, filesFailed])).toBeNull();
    expect(failuresInARow([])).toBeNull();
  });
});

describe('never two of a kind outstanding for one table', () => {
  it('a run sent or running, younger than an hour, blocks the next, however due', () => {
    for (const status of ['SENT', 'RUNNING'] as const) {
      const last = run(status, 59);
      expect(isOutstanding(last, now)).toBe(true);
      expect(nextRun({ type: 'small-files', files: 500, threshold: 50 }, last, since, now)).toEqual({
        state: 'outstanding',
        sentAt: last.sentAt,
      });
      expect(nextRun({ type: 'every', ms: 60_000 }, last, since, now).state).toBe('outstanding');
    }
  });

  it('a run that ended, or went unanswered for an hour, blocks nothing', () => {
    expect(isOutstanding(run('FINISHED', 5, 1), now)).toBe(false);
    expect(isOutstanding(run('FAILED', 5, 1), now)).toBe(false);
    expect(isOutstanding(run('SENT', 60), now)).toBe(false);
    expect(
      nextRun({ type: 'small-files', files: 500, threshold: 50 }, run('RUNNING', 61), since, now),
    ).toEqual({
      state: 'due',
    });
  });
});

describe('cron compaction', () => {
  const nightly: Schedule = { type: 'cron', cron: parseCron('0 3 * * *') };

  it('is due once the next firing after the last run has passed', () => {
    const lastNight = new Date('2026-11-24T03:00:05Z');
    expect(nextRun(nightly, run('FINISHED', 60), since, now)).toEqual({
      state: 'at',
      at: new Date('2026-11-26T03:00:00Z'),
    });
    expect(
      nextRun(nightly, { status: 'FINISHED', sentAt: lastNight, finishedAt: lastNight }, since, now),
    ).toEqual({
      state: 'due',
    });
  });

  it('counts only firings after the schedule was set: no catching up on last night', () => {
    expect(nextRun(nightly, null, ago(60), now)).toEqual({
      state: 'at',
      at: new Date('2026-11-26T03:00:00Z'),
    });
    expect(nextRun(nightly, null, new Date('2026-11-25T02:59:00Z'), now)).toEqual({ state: 'due' });
  });

  it('tries a failed run again before the next firing, a few times', () => {
    const failed = { ...run('FAILED', 10, 9), error: 'RewriteConflictError: busy' };
    expect(nextRun(nightly, failed, since, now, failuresInARow([failed]))).toEqual({ state: 'due' });
    const fresh = { ...failed, finishedAt: ago(0.5) };
    expect(nextRun(nightly, fresh, since, now, failuresInARow([fresh]))).toMatchObject({ state: 'retry' });
    const many = failuresInARow(Array.from({ length: 6 }, () => failed));
    expect(nextRun(nightly, failed, since, now, many)).toEqual({
      state: 'at',
      at: new Date('2026-11-26T03:00:00Z'),
    });
  });
});

describe('interval schedules (expiry, orphans)', () => {
  const daily: Schedule = { type: 'every', ms: 86_400_000 };

  it('count from the last run sent, or from when the policy was set', () => {
    expect(nextRun(daily, run('FINISHED', 23 * 60), since, now)).toEqual({ state: 'at', at: ago(-60) });
    expect(nextRun(daily, run('FAILED', 24 * 60), since, now)).toEqual({ state: 'due' });
    expect(nextRun(daily, null, ago(60), now)).toEqual({ state: 'at', at: ago(-23 * 60) });
  });

  it('manual never comes due', () => {
    expect(nextRun({ type: 'manual' }, null, since, now)).toEqual({ state: 'manual' });
  });
});

describe('automatic compaction: when the rows delete files delete reach the policy’s share', () => {
  const deletes = (deletedRows: number, rows = 1000) => ({
    at: ago(1),
    source: 'commit' as const,
    rows,
    deletedRows,
    deleteFiles: 7,
  });
  const schedule = (files: number, deletedRows: number, rows?: number) =>
    scheduleOf('table.compact', DEFAULT_POLICY, files, deletes(deletedRows, rows));

  it('is due at 20% of the rows read deleted, however few files piled up; below it, says how far', () => {
    expect(nextRun(schedule(3, 199), null, since, now)).toEqual({
      state: 'small-files',
      files: 3,
      threshold: 50,
      deletes: { share: 0.199, threshold: 0.2 },
    });
    expect(nextRun(schedule(3, 200), null, since, now)).toEqual({ state: 'due' });
    // The files still count on their own.
    expect(nextRun(schedule(50, 0), null, since, now)).toEqual({ state: 'due' });
    // An empty table has nothing deleted.
    expect(nextRun(schedule(0, 0, 0), null, since, now)).toMatchObject({ deletes: { share: 0 } });
  });

  it('retries after a failure as for small files, and leaves cron and manual compaction alone', () => {
    const lost = { ...run('FAILED', 3, 0.5), error: 'RewriteConflictError: busy' };
    expect(nextRun(schedule(0, 900), lost, since, now, failuresInARow([lost]))).toMatchObject({
      state: 'retry',
      conflict: true,
    });
    const manual = { ...DEFAULT_POLICY, compactionMode: 'manual' as const };
    expect(scheduleOf('table.compact', manual, 0, deletes(900))).toEqual({ type: 'manual' });
  });

  it('reads a policy saved before the delete share as 20%', () => {
    const { deleteRatioPercent: _, ...saved } = DEFAULT_POLICY;
    expect(maintenancePolicySchema.parse(saved).deleteRatioPercent).toBe(20);
    expect(
      maintenancePolicySchema.safeParse({ ...DEFAULT_POLICY, deleteRatioPercent: 0 }).error?.issues,
    ).toMatchObject([{ path: ['deleteRatioPercent'], message: 'at least 1%' }]);
  });
});

describe('the plan from a policy', () => {
  const facts = (policy: MaintenancePolicy, smallFiles: number) => ({
    policy,
    smallFiles,
    scheduledSince: ago(60),
    lastRuns: {
      'table.compact': null,
      'table.expire-snapshots': run('FINISHED', 25 * 60, 25 * 60),
      'table.remove-orphans': null,
    },
  });

  it('maps each kind to its schedule', () => {
    expect(planMaintenance(facts(DEFAULT_POLICY, 12), now)).toEqual({
      'table.compact': { state: 'small-files', files: 12, threshold: 50 },
      'table.expire-snapshots': { state: 'due' },
      'table.remove-orphans': { state: 'at', at: ago(60 - 24 * 60) },
    });
    const manual = { ...DEFAULT_POLICY, compactionMode: 'manual', expiryEvery: 'manual' } as const;
    expect(planMaintenance(facts(manual, 999), now)['table.compact']).toEqual({ state: 'manual' });
    expect(planMaintenance(facts(manual, 999), now)['table.expire-snapshots']).toEqual({ state: 'manual' });
    const upserts = {
      ...facts(DEFAULT_POLICY, 12),
      deletes: { at: ago(1), source: 'commit' as const, rows: 100, deletedRows: 40, deleteFiles: 9 },
    };
    expect(planMaintenance(upserts, now)['table.compact']).toEqual({ state: 'due' });
  });
});

describe('the policy and the contract', () => {
  const retention = { snapshotDays: 30, minSnapshots: 20 };

  it('takes its expiry defaults from the contract, and never expires sooner than it promises', () => {
    expect(effectivePolicy(null, null)).toEqual(DEFAULT_POLICY);
    expect(effectivePolicy(null, { snapshotDays: 3, minSnapshots: 5 })).toMatchObject({
      snapshotMaxAgeDays: 3,
      snapshotsKept: 5,
    });
    // Saved at 7 days; the contract was raised to 30 since.
    expect(effectivePolicy(DEFAULT_POLICY, retention)).toMatchObject({
      snapshotMaxAgeDays: 30,
      snapshotsKept: 20,
    });
  });

  it('refuses a policy below the contract, on the fields at fault', () => {
    const result = policyWithin(retention).safeParse({ ...DEFAULT_POLICY, snapshotMaxAgeDays: 7 });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['snapshotMaxAgeDays', 'the contract promises 30 days of snapshots'],
      ['snapshotsKept', 'the contract promises at least 20 snapshots'],
    ]);
    expect(policyWithin(null).safeParse(DEFAULT_POLICY).success).toBe(true);
  });

  it('needs a valid cron expression only in cron mode', () => {
    const cron = { ...DEFAULT_POLICY, compactionMode: 'cron', compactionCron: '0 25 * * *' };
    expect(policyWithin(null).safeParse(cron).error?.issues).toMatchObject([
      { path: ['compactionCron'], message: 'hour: 25 is not between 0 and 23' },
    ]);
    expect(policyWithin(null).safeParse({ ...cron, compactionMode: 'auto' }).success).toBe(true);
  });
});
