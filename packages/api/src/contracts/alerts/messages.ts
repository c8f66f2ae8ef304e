import type { AlertDestinationInput } from '@floe/contracts';

export type AlertKind = AlertDestinationInput['kind'];

interface About {
  pipeline: { id: string; name: string };
  table: string;
}

/** What an incident announcement says. */
export interface IncidentNotice extends About {
  event: 'incident.opened' | 'incident.resolved';
  slo: { freshnessMinutes: number; targetPercent: number; windowDays: number };
  incident: { id: string; startedAt: Date; resolvedAt: Date | null; peakSeconds: number | null };
}

/** The message of the "Send test" button. */
export interface TestNotice extends About {
  event: 'test';
}

const behind = (seconds: number | null) =>
  seconds === null
    ? 'with a partition that has nothing committed'
    : `${(seconds / 60).toFixed(1)} min behind`;
const time = (at: Date) => at.toISOString().replace('T', ' ').slice(0, 16);

function text(notice: IncidentNotice | TestNotice): string {
  if (notice.event === 'test')
    return `Test from Floe: freshness alerts for *${notice.table}* (pipeline ${notice.pipeline.name}) arrive here.`;
  const { incident, slo, table } = notice;
  if (notice.event === 'incident.opened')
    return `:red_circle: *${table}* broke its freshness promise (complete to within ${slo.freshnessMinutes} min) at ${time(incident.startedAt)} UTC: ${behind(incident.peakSeconds)}.`;
  return `:large_green_circle: *${table}* is within its freshness promise again. Incident from ${time(incident.startedAt)} to ${time(incident.resolvedAt ?? incident.startedAt)} UTC, at worst ${behind(incident.peakSeconds)}.`;
}

/** The body sent to a destination: `{"text": ...}` for Slack-compatible ones, the facts as JSON for webhooks. */
export function alertBody(kind: AlertKind, notice: IncidentNotice | TestNotice): string {
  if (kind === 'slack') return JSON.stringify({ text: text(notice) });
  const { event, pipeline, table } = notice;
  if (notice.event === 'test') return JSON.stringify({ type: event, pipeline, table });
  const { id, startedAt, resolvedAt, peakSeconds } = notice.incident;
  return JSON.stringify({
    type: event,
    pipeline,
    table,
    slo: notice.slo,
    incident: { id, startedAt, resolvedAt, peakFreshnessSeconds: peakSeconds },
  });
}
