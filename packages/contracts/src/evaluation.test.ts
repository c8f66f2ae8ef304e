import { describe, expect, it } from 'vitest';
import { applyReport, type CommitReport, freshnessByMinute, type ReportedPartition } from './evaluation';

// Minute n of a synthetic history starts at T0 + n minutes.
const T0 = Date.parse('2026-11-25T12:00:00Z');
const at = (minute: number) => T0 + minute * 60_000;
const SLO = 5 * 60;

const partition = (
  number: number,
  committed: number,
  logEnd: number,
  newestRecordMinute: number | null,
): ReportedPartition => ({
  topic: 'orders',
  partition: number,
  committedOffset: BigInt(committed),
  logEndOffset: BigInt(logEnd),
  newestCommittedRecordMs: newestRecordMinute === null ? null : at(newestRecordMinute),
});

/** A report committed at `minute` (agent clock) and received `delaySeconds` later. */
const report = (minute: number, partitions: ReportedPartition[], delaySeconds = 1): CommitReport => ({
  committedAtMs: at(minute),
  receivedAtMs: at(minute) + delaySeconds * 1000,
  partitions,
});

const evaluate = (reports: CommitReport[], fromMinute: number, untilMinute: number) =>
  freshnessByMinute({
    progress: null,
    reports,
    fromMs: at(fromMinute),
    untilMs: at(untilMinute),
    sloSeconds: SLO,
  });
const freshnessMinutes = (result: ReturnType<typeof evaluate>) => result.minutes.map((m) => m.seconds / 60);

describe('freshness minute by minute', () => {
  it('leaves out the minutes before the first report, then measures each minute at its end', () => {
    const reports = [report(2.5, [partition(0, 10, 10, 2)], 0)];
    const result = evaluate(reports, 0, 5);
    expect(result.minutes.map((m) => m.minuteStartMs)).toEqual([at(2), at(3), at(4)]);
    // Caught up at 2.5: complete to 2.5, measured at the ends 3, 4 and 5.
    expect(freshnessMinutes(result)).toEqual([0.5, 1.5, 2.5]);
  });

  it('does not count an idle partition (caught up, no traffic for a day) as stale', () => {
    const idle = partition(1, 500, 500, -24 * 60);
    const reports = [0.5, 1.5, 2.5, 3.5].map((m) => report(m, [partition(0, m * 10, m * 10, m), idle], 0));
    expect(freshnessMinutes(evaluate(reports, 0, 4))).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('grows with a stuck partition while the others keep up, and breaches the SLO', () => {
    // Partition 1 stays at offset 40 of a growing log; its newest committed record is from minute 0.
    const reports = Array.from({ length: 10 }, (_, m) =>
      report(m, [partition(0, m + 1, m + 1, m), partition(1, 40, 50 + m, 0)], 0),
    );
    const result = evaluate(reports, 0, 10);
    expect(freshnessMinutes(result)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.minutes.map((m) => m.withinSlo)).toEqual([...Array(5).fill(true), ...Array(5).fill(false)]);
  });

  it('is stale since the last report when the agent stops reporting (a gap), and recovers', () => {
    const caughtUp = (m: number) => report(m, [partition(0, m * 2, m * 2, m)], 0);
    const reports = [caughtUp(0.5), caughtUp(1.5), caughtUp(9.5)];
    const result = evaluate(reports, 0, 10);
    expect(freshnessMinutes(result)).toEqual([0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 0.5]);
    expect(result.minutes.filter((m) => !m.withinSlo).map((m) => m.minuteStartMs)).toEqual([
      at(6),
      at(7),
      at(8),
    ]);
  });

  it('never goes negative, nor fresher than its arrival, when the agent clock runs ahead', () => {
    // Committed "at minute 8" by an agent 5 minutes fast, received at minute 3 of ours.
    const skewed: CommitReport = {
      committedAtMs: at(8),
      receivedAtMs: at(3),
      partitions: [partition(0, 9, 9, 8)],
    };
    const result = evaluate([skewed], 1, 6);
    expect(result.minutes[0]?.minuteStartMs).toBe(at(2));
    expect(freshnessMinutes(result)).toEqual([0, 1, 2, 3]);
  });

  it('bounds a behind partition by its newest committed record, even one produced "in the future"', () => {
    const reports = [report(1, [partition(0, 5, 9, 30)], 0)];
    expect(freshnessMinutes(evaluate(reports, 1, 3))).toEqual([1, 2]);
  });

  it('is unbounded while a partition is behind with none of its records committed', () => {
    const reports = [report(0, [partition(0, 5, 5, 0), partition(1, 0, 100, null)], 0)];
    const [minute] = evaluate(reports, 0, 1).minutes;
    expect(minute).toEqual({ minuteStartMs: at(0), seconds: Number.POSITIVE_INFINITY, withinSlo: false });
  });

  it('keeps a partition’s newest record when a report leaves it out (a commit that did not touch it)', () => {
    const reports = [
      report(0, [partition(0, 10, 20, 0), partition(1, 10, 10, 0)], 0),
      report(1, [partition(0, 10, 20, null), partition(1, 20, 20, 1)], 0),
    ];
    expect(freshnessMinutes(evaluate(reports, 0, 2))).toEqual([1, 2]);
  });

  it('takes reports in any order and twice, and ignores one older than what is known', () => {
    const older = report(1, [partition(0, 5, 9, 0)], 0);
    const newer = report(2, [partition(0, 9, 9, 2)], 0);
    const inOrder = evaluate([older, newer], 0, 4);
    expect(evaluate([newer, older, newer, older], 0, 4)).toEqual(inOrder);
    expect(applyReport(applyReport(null, newer), older)).toEqual(applyReport(null, newer));
  });

  it('carries on from the progress it returned, leaving later reports for the next evaluation', () => {
    const reports = [report(0, [partition(0, 1, 1, 0)], 0), report(4.5, [partition(0, 2, 2, 4)], 0)];
    const whole = evaluate(reports, 0, 6);
    const first = evaluate(reports, 0, 3);
    expect(first.progress?.observedAtMs).toBe(at(0));
    const rest = freshnessByMinute({
      progress: first.progress,
      reports,
      fromMs: at(3),
      untilMs: at(6),
      sloSeconds: SLO,
    });
    expect([...first.minutes, ...rest.minutes]).toEqual(whole.minutes);
  });
});
