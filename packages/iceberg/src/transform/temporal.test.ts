import { describe, expect, it } from 'vitest';
import { T } from '../spec/types';
import { temporalOrdinal } from './temporal';
import { epochDays, epochMicros, epochNanos } from './test-values';

describe('year, month, day, hour', () => {
  it('counts from 1970 for dates and timestamps', () => {
    const ts = epochMicros('2017-11-16T22:31:08');
    expect(temporalOrdinal('year', T.timestamp, ts)).toBe(47);
    expect(temporalOrdinal('month', T.timestamp, ts)).toBe(47 * 12 + 10);
    expect(temporalOrdinal('day', T.timestamptz, ts)).toBe(epochDays('2017-11-16'));
    expect(temporalOrdinal('hour', T.timestamp, ts)).toBe(epochDays('2017-11-16') * 24 + 22);
    expect(temporalOrdinal('month', T.date, epochDays('2017-11-16'))).toBe(574);
    expect(temporalOrdinal('day', T.timestampNs, epochNanos('2017-11-16T22:31:08.000000001'))).toBe(17486);
  });

  it('floors before the epoch: the last instant of 1969 is year, month, day and hour -1', () => {
    for (const unit of ['year', 'month', 'day', 'hour'] as const) {
      expect(temporalOrdinal(unit, T.timestamp, -1n)).toBe(-1);
      expect(temporalOrdinal(unit, T.timestamptzNs, -1n)).toBe(-1);
    }
    expect(temporalOrdinal('year', T.date, -1)).toBe(-1);
    expect(temporalOrdinal('month', T.date, epochDays('1969-01-01'))).toBe(-12);
    expect(temporalOrdinal('year', T.timestamp, epochMicros('1969-01-01T00:00:00'))).toBe(-1);
    expect(temporalOrdinal('year', T.timestamp, epochMicros('1968-12-31T23:59:59.999999'))).toBe(-2);
    expect(temporalOrdinal('hour', T.timestamp, epochMicros('1969-12-31T22:00:00'))).toBe(-2);
  });

  it('refuses an hour of a date', () => {
    expect(() => temporalOrdinal('hour', T.date, 1)).toThrow(/date has no hour/);
  });
});
