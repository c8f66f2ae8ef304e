import { type IcebergType, isPrimitive } from '@floe/iceberg';
import { RecordRejectedError } from '../decode/decoded';
import { describeValue } from '../fit/convert-primitive';

export type TimestampFormat = 'epoch-s' | 'epoch-ms' | 'epoch-us' | 'iso8601';

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;
const SCALE: Record<Exclude<TimestampFormat, 'iso8601'>, bigint> = {
  'epoch-s': 1_000_000n,
  'epoch-ms': 1_000n,
  'epoch-us': 1n,
};

/**
 * A field the pipeline declares a timestamp, as microseconds from the epoch (a timestamptz value).
 * Nothing is rounded: a fraction finer than a microsecond, a non-integral epoch, or an ISO-8601 text
 * without a zone (which instant would it be?) is rejected, naming the field.
 */
export function toTimestampMicros(
  value: unknown,
  type: IcebergType,
  format: TimestampFormat,
  field: string,
): bigint {
  const reject = (why: string): never => {
    throw new RecordRejectedError('mapping-failed', `${field}: ${describeValue(value)} ${why}`);
  };
  if (!isPrimitive(type)) return reject(`is a ${type.type}, not a ${format} timestamp`);
  if (format === 'iso8601') {
    if (typeof value !== 'string') return reject('is not an ISO-8601 text');
    return (
      parseIso8601(value) ??
      reject('is not an ISO-8601 timestamp with a zone (e.g. 2026-11-25T09:30:00.123Z)')
    );
  }
  let whole: bigint;
  if (typeof value === 'bigint') whole = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) whole = BigInt(value);
  else return reject(`is not a whole number of ${format.slice(6)}`);
  return whole * SCALE[format];
}

/** Microseconds from the epoch of an ISO-8601 date-time with a zone; null when it is not one. */
export function parseIso8601(text: string): bigint | null {
  const m = ISO_RE.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as number[];
  // setUTCFullYear, unlike Date.UTC, keeps years 0-99 as they are.
  const check = new Date(0);
  check.setUTCFullYear(year as number, (month as number) - 1, day);
  check.setUTCHours(hour as number, minute, second, 0);
  const ms = check.getTime();
  const valid =
    check.getUTCFullYear() === year &&
    check.getUTCMonth() === (month as number) - 1 &&
    check.getUTCDate() === day &&
    (hour as number) < 24 &&
    (minute as number) < 60 &&
    (second as number) < 60;
  if (!valid || /[1-9]/.test(fraction.slice(6))) return null;
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    if (offsetMinutes >= 24 * 60) return null;
    if (zone.startsWith('-')) offsetMinutes = -offsetMinutes;
  }
  const micros = BigInt(fraction.slice(0, 6).padEnd(6, '0'));
  return (BigInt(ms) - BigInt(offsetMinutes) * 60_000n) * 1000n + micros;
}
