import { describe, expect, it } from 'vitest';
import type { MinuteFreshness } from './evaluation';
import { compliance, DAY_MS, dailyCompliance, recordMinutes } from './minute-history';

const DAY0 = Date.parse('2026-11-01T00:00:00Z');
const minute = (day: number, index: number, withinSlo: boolean, seconds = withinSlo ? 60 : 600) =>
  ({ minuteStartMs: DAY0 + day * DAY_MS + index * 60_000, seconds, withinSlo }) satisfies MinuteFreshness;
/** `count` minutes of day `day` from minute `first`, `bad` of them (the first ones) beyond the SLO. */
const run = (day: number, first: number, count: number, bad = 0) =>
  Array.from({ length: count }, (_, i) => minute(day, first + i, i >= bad));

describe('minute history', () => {
  it('keeps a day in two 180-byte bitmaps and counts a minute recorded twice once', () => {
    const [day] = recordMinutes([], [minute(0, 0, true), minute(0, 1439, false)]);
    expect(day?.evaluated).toHaveLength(180);
    const again = recordMinutes(day ? [day] : [], [minute(0, 0, true)]);
    const c = compliance(again, { untilMs: DAY0 + DAY_MS, windowDays: 1, targetPercent: 99 });
    expect([c.evaluatedMinutes, c.minutesWithinSlo]).toEqual([2, 1]);
    expect(again[0]?.worstSeconds).toBe(600);
  });

  it('splits minutes across UTC days and leaves the known days untouched', () => {
    const known = recordMinutes([], run(0, 0, 10));
    const days = recordMinutes(known, [...run(0, 1438, 2, 2), ...run(1, 0, 3)]);
    expect(days.map((d) => (d.dayStartMs - DAY0) / DAY_MS)).toEqual([0, 1]);
    expect(
      compliance(known, { untilMs: DAY0 + DAY_MS, windowDays: 1, targetPercent: 99 }).evaluatedMinutes,
    ).toBe(10);
    const both = compliance(days, { untilMs: DAY0 + 2 * DAY_MS, windowDays: 2, targetPercent: 99 });
    expect([both.evaluatedMinutes, both.minutesWithinSlo]).toEqual([15, 13]);
  });

  it('gives compliance, the error budget left and the burn rate over the window', () => {
    // 30 full days, 99% target: a budget of 432 minutes. 100 bad minutes on day 5, 36 on the last day.
    const history = Array.from({ length: 30 }, (_, d) => run(d, 0, 1440, d === 5 ? 100 : d === 29 ? 36 : 0));
    const days = recordMinutes([], history.flat());
    const c = compliance(days, { untilMs: DAY0 + 30 * DAY_MS, windowDays: 30, targetPercent: 99 });
    expect(c.evaluatedMinutes).toBe(43_200);
    expect(c.compliancePercent).toBeCloseTo((100 * (43_200 - 136)) / 43_200, 10);
    expect(c.budgetMinutes).toBe(432);
    expect(c.budgetLeftMinutes).toBe(432 - 136);
    // The last day spent 36 of its 1440 minutes: 2.5% against an allowed 1%.
    expect(c.burnRate).toBeCloseTo(2.5, 10);
  });

  it('rolls the window by the minute, not by the day', () => {
    const days = recordMinutes([], [...run(0, 0, 60, 60), ...run(1, 0, 60)]);
    // A one-day window ending at 00:30 on day 1 starts at 00:30 on day 0: 30 bad minutes, 30 good.
    const c = compliance(days, { untilMs: DAY0 + DAY_MS + 30 * 60_000, windowDays: 1, targetPercent: 99 });
    expect([c.evaluatedMinutes, c.minutesWithinSlo]).toEqual([60, 30]);
  });

  it('says nothing before any minute was evaluated, and has no burn rate without a budget', () => {
    const c = compliance([], { untilMs: DAY0, windowDays: 30, targetPercent: 99 });
    expect([c.compliancePercent, c.burnRate, c.budgetLeftMinutes]).toEqual([null, null, 432]);
    const strict = compliance(recordMinutes([], run(0, 0, 10, 1)), {
      untilMs: DAY0 + DAY_MS,
      windowDays: 30,
      targetPercent: 100,
    });
    expect([strict.budgetMinutes, strict.budgetLeftMinutes, strict.burnRate]).toEqual([0, -1, null]);
  });

  it('gives one point per day for a chart, with gaps where nothing was evaluated', () => {
    const days = recordMinutes([], [...run(0, 0, 100, 25), ...run(2, 0, 10)]);
    const points = dailyCompliance(days, { untilMs: DAY0 + 2 * DAY_MS + 10 * 60_000, count: 4 });
    expect(points.map((p) => (p.dayStartMs - DAY0) / DAY_MS)).toEqual([-1, 0, 1, 2]);
    expect(points.map((p) => p.compliancePercent)).toEqual([null, 75, null, 100]);
    expect(points.map((p) => p.worstSeconds)).toEqual([null, 600, null, 60]);
  });
});
