import { type DayRecord, dayStartOf, type MinuteFreshness, recordMinutes } from '@floe/contracts';
import type { FreshnessDay } from '@floe/db';
import type { Db } from './reports';

/** Seconds as stored: whole, and null for unbounded (a partition behind with nothing committed). */
export const storedSeconds = (seconds: number) => (Number.isFinite(seconds) ? Math.round(seconds) : null);

/** Minute history is kept 35 days, or the contract's whole window when that is longer. */
export const keptDays = (windowDays: number) => Math.max(35, windowDays + 1);

/** The pipeline's days from the one holding `fromMs` on. */
export async function loadDays(db: Db, pipelineId: string, fromMs: number): Promise<DayRecord[]> {
  const rows = await db.freshnessDay.findMany({
    where: { pipelineId, day: { gte: new Date(dayStartOf(fromMs)) } },
    orderBy: { day: 'asc' },
  });
  return rows.map(dayRecord);
}

/** A stored day as @floe/contracts counts it (a null worst is unbounded). */
export const dayRecord = (
  row: Pick<FreshnessDay, 'day' | 'evaluated' | 'withinSlo' | 'worstSeconds'>,
): DayRecord => ({
  dayStartMs: row.day.getTime(),
  evaluated: row.evaluated,
  withinSlo: row.withinSlo,
  worstSeconds: row.worstSeconds ?? Number.POSITIVE_INFINITY,
});

/** Adds evaluated minutes to the pipeline's days. */
export async function saveMinutes(db: Db, pipelineId: string, minutes: MinuteFreshness[]) {
  const first = minutes[0];
  if (!first) return;
  const days = recordMinutes(await loadDays(db, pipelineId, first.minuteStartMs), minutes);
  for (const { dayStartMs, evaluated, withinSlo, worstSeconds } of days) {
    const data = { evaluated, withinSlo, worstSeconds: storedSeconds(worstSeconds) };
    await db.freshnessDay.upsert({
      where: { pipelineId_day: { pipelineId, day: new Date(dayStartMs) } },
      create: { pipelineId, day: new Date(dayStartMs), ...data },
      update: data,
    });
  }
}
