import { type Contract, compliance, DAY_MS, dailyCompliance, MINUTE_MS } from '@floe/contracts';
import { loadDays, storedSeconds } from './minute-days';
import type { Db } from './reports';

const CHART_DAYS = 30;

/**
 * How a contracted pipeline has kept its freshness promise: compliance and error budget over the
 * contract's window, one point per day of the last 30 for a chart, and the recent incidents.
 * Seconds are whole; null where unbounded (a partition was behind with nothing committed).
 */
export async function contractHealth(db: Db, pipelineId: string, slo: Contract['slo'], now = new Date()) {
  const untilMs = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  const [days, incidents] = await Promise.all([
    loadDays(db, pipelineId, untilMs - Math.max(slo.windowDays, CHART_DAYS) * DAY_MS),
    db.incident.findMany({ where: { pipelineId }, orderBy: { startedAt: 'desc' }, take: 20 }),
  ]);
  return {
    compliance: compliance(days, { untilMs, windowDays: slo.windowDays, targetPercent: slo.targetPercent }),
    daily: dailyCompliance(days, { untilMs, count: CHART_DAYS }).map((d) => ({
      dayStartMs: d.dayStartMs,
      compliancePercent: d.compliancePercent,
      worstSeconds: d.worstSeconds === null ? null : storedSeconds(d.worstSeconds),
    })),
    incidents: incidents.map(({ id, startedAt, resolvedAt, peakSeconds, sloMinutes }) => ({
      id,
      startedAt,
      resolvedAt,
      peakSeconds,
      sloMinutes,
    })),
  };
}

export type ContractHealth = Awaited<ReturnType<typeof contractHealth>>;
