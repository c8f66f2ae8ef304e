import type { PrimitiveType } from '../spec/types';
import { civilFromDays, floorDiv, MICROS_PER_DAY, MICROS_PER_HOUR, NANOS_PER_MICRO } from '../util/datetime';

export type TemporalUnit = 'year' | 'month' | 'day' | 'hour';

/**
 * Years, months, days or hours since 1970-01-01T00:00 UTC. Instants before the epoch floor (the
 * last microsecond of 1969 is year -1, day -1, hour -1), as the spec's calendar definitions require.
 */
export function temporalOrdinal(unit: TemporalUnit, type: PrimitiveType, value: number | bigint): number {
  if (unit === 'hour') return Number(floorDiv(toMicros(type, value), MICROS_PER_HOUR));
  const days =
    type.type === 'date' ? (value as number) : Number(floorDiv(toMicros(type, value), MICROS_PER_DAY));
  if (unit === 'day') return days;
  const { year, month } = civilFromDays(days);
  return unit === 'year' ? year - 1970 : (year - 1970) * 12 + month - 1;
}

function toMicros(type: PrimitiveType, value: number | bigint): bigint {
  switch (type.type) {
    case 'timestamp':
    case 'timestamptz':
      return value as bigint;
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return floorDiv(value as bigint, NANOS_PER_MICRO);
    default:
      throw new Error(`${type.type} has no hour`);
  }
}
