import { describe, expect, it } from 'vitest';
import type { MinuteFreshness } from './evaluation';
import { trackIncidents } from './incidents';

const at = (minute: number) => minute * 60_000;
/** Minutes from 0 on, one per freshness value (in minutes) against a 5-minute SLO. */
const minutes = (...freshness: number[]): MinuteFreshness[] =>
  freshness.map((f, i) => ({ minuteStartMs: at(i), seconds: f * 60, withinSlo: f <= 5 }));

describe('incidents', () => {
  it('opens at the first minute beyond the SLO and resolves at the first minute back within', () => {
    expect(trackIncidents(null, minutes(4, 5, 6, 8, 7, 1, 2))).toEqual([
      { startedAtMs: at(2), resolvedAtMs: at(5), peakSeconds: 8 * 60 },
    ]);
  });

  it('keeps one open while the breach lasts', () => {
    expect(trackIncidents(null, minutes(1, 6, 9))).toEqual([
      { startedAtMs: at(1), resolvedAtMs: null, peakSeconds: 9 * 60 },
    ]);
  });

  it('carries on the incident open before the minutes, then opens new ones', () => {
    const open = { startedAtMs: -at(10), resolvedAtMs: null, peakSeconds: 12 * 60 };
    expect(trackIncidents(open, minutes(9, 1, 7, 1))).toEqual([
      { startedAtMs: -at(10), resolvedAtMs: at(1), peakSeconds: 12 * 60 },
      { startedAtMs: at(2), resolvedAtMs: at(3), peakSeconds: 7 * 60 },
    ]);
    expect(open.resolvedAtMs).toBeNull();
  });

  it('has nothing to say about minutes within the SLO', () => {
    expect(trackIncidents(null, minutes(1, 2, 5))).toEqual([]);
  });
});
