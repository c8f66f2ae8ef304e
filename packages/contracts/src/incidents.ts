import type { MinuteFreshness } from './evaluation';

/** A run of minutes beyond the SLO: from the first such minute to the first minute back within. */
export interface IncidentSpan {
  startedAtMs: number;
  /** Start of the first minute back within the SLO; null while it lasts. */
  resolvedAtMs: number | null;
  /** Worst freshness seen during it (Infinity: a partition was behind with nothing committed). */
  peakSeconds: number;
}

/**
 * Follows minutes (in order) on from the incident still open before them, if any. Returns every
 * incident they touch: the open one first (same start, peak and resolution updated), then new ones.
 */
export function trackIncidents(open: IncidentSpan | null, minutes: MinuteFreshness[]): IncidentSpan[] {
  const spans: IncidentSpan[] = open ? [{ ...open }] : [];
  let current = spans[0];
  for (const minute of minutes) {
    if (!minute.withinSlo) {
      if (current) current.peakSeconds = Math.max(current.peakSeconds, minute.seconds);
      else {
        current = { startedAtMs: minute.minuteStartMs, resolvedAtMs: null, peakSeconds: minute.seconds };
        spans.push(current);
      }
    } else if (current) {
      current.resolvedAtMs = minute.minuteStartMs;
      current = undefined;
    }
  }
  return spans;
}
