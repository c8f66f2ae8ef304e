import { MINUTE_MS, type MinuteFreshness } from './evaluation';

export const MINUTES_PER_DAY = 1440;
export const DAY_MS = MINUTES_PER_DAY * MINUTE_MS;

/**
 * One UTC day of a table's evaluated minutes, as two bitmaps (bit i = minute i of the day): which
 * minutes were evaluated, and which of those were within the SLO. 2 × 180 bytes a day.
 */
export interface DayRecord {
  dayStartMs: number;
  evaluated: Uint8Array<ArrayBuffer>;
  withinSlo: Uint8Array<ArrayBuffer>;
  /** Worst freshness of the day's minutes (Infinity: a partition behind with nothing committed). */
  worstSeconds: number;
}

const BYTES = MINUTES_PER_DAY / 8;
const isSet = (bits: Uint8Array, i: number) => ((bits[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
const set = (bits: Uint8Array, i: number) => {
  bits[i >> 3] = (bits[i >> 3] ?? 0) | (1 << (i & 7));
};

export const dayStartOf = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

/**
 * The days `minutes` fall on, with them recorded: copies of the `known` days, or new days. Setting a
 * bit twice is harmless, so a minute evaluated twice still counts once.
 */
export function recordMinutes(known: DayRecord[], minutes: MinuteFreshness[]): DayRecord[] {
  const days = new Map<number, DayRecord>();
  for (const m of minutes) {
    const dayStartMs = dayStartOf(m.minuteStartMs);
    let day = days.get(dayStartMs);
    if (!day) {
      const before = known.find((d) => d.dayStartMs === dayStartMs);
      day = {
        dayStartMs,
        evaluated: Uint8Array.from(before?.evaluated ?? new Uint8Array(BYTES)),
        withinSlo: Uint8Array.from(before?.withinSlo ?? new Uint8Array(BYTES)),
        worstSeconds: before?.worstSeconds ?? 0,
      };
      days.set(dayStartMs, day);
    }
    const i = (m.minuteStartMs - dayStartMs) / MINUTE_MS;
    set(day.evaluated, i);
    if (m.withinSlo) set(day.withinSlo, i);
    day.worstSeconds = Math.max(day.worstSeconds, m.seconds);
  }
  return [...days.values()];
}

/** Evaluated minutes and minutes within the SLO among those starting in [fromMs, untilMs). */
export function countMinutes(days: DayRecord[], fromMs: number, untilMs: number) {
  let evaluated = 0;
  let withinSlo = 0;
  for (const day of days) {
    const first = Math.max(0, Math.ceil((fromMs - day.dayStartMs) / MINUTE_MS));
    const last = Math.min(MINUTES_PER_DAY, Math.ceil((untilMs - day.dayStartMs) / MINUTE_MS));
    for (let i = first; i < last; i++) {
      if (!isSet(day.evaluated, i)) continue;
      evaluated += 1;
      if (isSet(day.withinSlo, i)) withinSlo += 1;
    }
  }
  return { evaluated, withinSlo };
}

export interface Compliance {
  windowDays: number;
  targetPercent: number;
  evaluatedMinutes: number;
  minutesWithinSlo: number;
  /** Share of evaluated minutes within the SLO; null before any minute was evaluated. */
  compliancePercent: number | null;
  /** Minutes the window may be beyond the SLO and still meet the target. */
  budgetMinutes: number;
  /** Budget minus the minutes beyond the SLO so far (negative: overspent). */
  budgetLeftMinutes: number;
  /**
   * How fast the last 24 hours spent the budget: 1 spends exactly the budget over the window, 2 spends
   * it in half the window. Null without evaluated minutes in the last 24 hours or without a budget.
   */
  burnRate: number | null;
}

/** Compliance and error budget over the contract's window, which ends at `untilMs`. */
export function compliance(
  days: DayRecord[],
  { untilMs, windowDays, targetPercent }: { untilMs: number; windowDays: number; targetPercent: number },
): Compliance {
  const window = countMinutes(days, untilMs - windowDays * DAY_MS, untilMs);
  const lastDay = countMinutes(days, untilMs - DAY_MS, untilMs);
  const allowedShare = 1 - targetPercent / 100;
  const budgetMinutes = Math.floor(allowedShare * windowDays * MINUTES_PER_DAY);
  return {
    windowDays,
    targetPercent,
    evaluatedMinutes: window.evaluated,
    minutesWithinSlo: window.withinSlo,
    compliancePercent: window.evaluated === 0 ? null : (100 * window.withinSlo) / window.evaluated,
    budgetMinutes,
    budgetLeftMinutes: budgetMinutes - (window.evaluated - window.withinSlo),
    burnRate:
      lastDay.evaluated === 0 || allowedShare <= 0
        ? null
        : (lastDay.evaluated - lastDay.withinSlo) / lastDay.evaluated / allowedShare,
  };
}

/** One point per UTC day for the `count` days up to the one holding `untilMs`, oldest first. */
export function dailyCompliance(days: DayRecord[], { untilMs, count }: { untilMs: number; count: number }) {
  const lastDayStart = dayStartOf(untilMs - 1);
  return Array.from({ length: count }, (_, n) => {
    const dayStartMs = lastDayStart - (count - 1 - n) * DAY_MS;
    const day = days.find((d) => d.dayStartMs === dayStartMs);
    const { evaluated, withinSlo } = day
      ? countMinutes([day], dayStartMs, Math.min(untilMs, dayStartMs + DAY_MS))
      : { evaluated: 0, withinSlo: 0 };
    return {
      dayStartMs,
      compliancePercent: evaluated === 0 ? null : (100 * withinSlo) / evaluated,
      worstSeconds: evaluated === 0 ? null : (day?.worstSeconds ?? null),
    };
  });
}
