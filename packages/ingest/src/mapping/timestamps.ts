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
  if (!isPrimitive(type))
    return rejectTimestamp(value, field, `is a ${type.type}, not a ${format} timestamp`);
  if (format === 'iso8601') {
    if (typeof value !== 'string') return rejectTimestamp(value, field, 'is not an ISO-8601 text');
    return (
      parseIso8601(value) ??
      rejectTimestamp(
        value,
        field,
        'is not an ISO-8601 timestamp with a zone (e.g. 2026-11-25T09:30:00.123Z)',
      )
    );
  }
  let whole: bigint;
  if (typeof value === 'bigint') whole = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) whole = BigInt(value);
  else return rejectTimestamp(value, field, `is not a whole number of ${format.slice(6)}`);
  return whole * SCALE[format];
}

function rejectTimestamp(value: unknown, field: string, why: string): never {
  throw new RecordRejectedError('mapping-failed', `${field}: ${describeValue(value)} ${why}`);
}

/** Microseconds from the epoch of an ISO-8601 date-time with a zone; null when it is not one. */
export function parseIso8601(text: string): bigint | null {
  return parseUtcIso8601(text) ?? parseAnyIso8601(text);
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * The usual form alone, read digit by digit without a regular expression: "YYYY-MM-DDTHH:MM:SS[.f]Z"
 * with a year from 1000 and a valid date and time. Undefined for anything else, which parseAnyIso8601
 * reads (or refuses).
 */
function parseUtcIso8601(text: string): bigint | undefined {
  const n = text.length;
  if (n < 20 || text.charCodeAt(n - 1) !== 0x5a /* Z */) return undefined;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') {
    return undefined;
  }
  const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3);
  const month = digit(text, 5) * 10 + digit(text, 6);
  const day = digit(text, 8) * 10 + digit(text, 9);
  const hour = digit(text, 11) * 10 + digit(text, 12);
  const minute = digit(text, 14) * 10 + digit(text, 15);
  const second = digit(text, 17) * 10 + digit(text, 18);
  // NaN (a non-digit) fails every comparison.
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && hour < 24 && minute < 60 && second < 60)) {
    return undefined;
  }
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] as number))) return undefined;
  let micros = 0;
  if (n > 20) {
    // ".f" with 1 to 9 digits; digits past the sixth must be zeros (nothing finer than a microsecond).
    if (text[19] !== '.' || n > 30 || n < 22) return undefined;
    for (let at = 20; at < n - 1; at += 1) {
      const c = digit(text, at);
      if (!(c >= 0)) return undefined;
      if (at < 26) micros += c * 10 ** (25 - at);
      else if (c !== 0) return undefined;
    }
  }
  const total = Date.UTC(year, month - 1, day, hour, minute, second) * 1000 + micros;
  return total <= MAX_SAFE && total >= -MAX_SAFE ? BigInt(total) : undefined;
}

/** The digit at `at`, or NaN. */
function digit(text: string, at: number): number {
  const c = text.charCodeAt(at) - 0x30;
  return c >= 0 && c <= 9 ? c : Number.NaN;
}

function parseAnyIso8601(text: string): bigint | null {
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
