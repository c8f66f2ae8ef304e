import type { PrimitiveType } from '../spec/types';
import { type IcebergValue, uuidFromBytes } from '../spec/values';
import { civilFromDays, floorDiv, floorMod, formatDate, formatIsoTime } from '../util/datetime';
import type { Transform } from './transform';

/**
 * A partition value as people (and partition paths) read it, formatted exactly as the Java reference
 * does (Transform.toHumanString): "2024-01-02" for day, "2024-01-02-13" for hour, "null" for null.
 */
export function toHumanString(transform: Transform, source: PrimitiveType, value: IcebergValue): string {
  if (value === null) return 'null';
  switch (transform.kind) {
    case 'year':
      return javaPad(1970 + (value as number), 4);
    case 'month': {
      const ordinal = value as number;
      return `${javaPad(1970 + Math.floor(ordinal / 12), 4)}-${javaPad((((ordinal % 12) + 12) % 12) + 1, 2)}`;
    }
    case 'day':
      return humanDay(value as number);
    case 'hour': {
      const hours = value as number;
      const day = humanDay(Math.floor(hours / 24));
      return `${day}-${javaPad(((hours % 24) + 24) % 24, 2)}`;
    }
    case 'bucket':
      return String(value);
    case 'void':
      return 'null';
    default:
      return humanValue(source, value);
  }
}

/** A source value as the reference prints it for identity and truncate partitions. */
function humanValue(type: PrimitiveType, value: Exclude<IcebergValue, null>): string {
  switch (type.type) {
    case 'date':
      return humanDay(value as number);
    case 'time':
      return javaLocalTime((value as bigint) * 1000n);
    case 'timestamp':
      return isoDateTime(value as bigint, 1_000_000n);
    case 'timestamptz':
      return `${isoDateTime(value as bigint, 1_000_000n)}+00:00`;
    case 'timestamp_ns':
      return isoDateTime(value as bigint, 1_000_000_000n);
    case 'timestamptz_ns':
      return `${isoDateTime(value as bigint, 1_000_000_000n)}+00:00`;
    case 'decimal':
      return javaBigDecimal(value as bigint, type.scale);
    case 'double':
      return javaDouble(value as number);
    case 'float':
      return javaDouble(shortestFloat(value as number));
    case 'uuid':
      return uuidFromBytes(value as Uint8Array);
    case 'fixed':
    case 'binary':
      return Buffer.from(value as Uint8Array).toString('base64');
    default:
      return String(value);
  }
}

function humanDay(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${javaPad(year, 4)}-${javaPad(month, 2)}-${javaPad(day, 2)}`;
}

/** String.format("%0Nd"): zero-padded to the width, a minus sign counting toward it. */
function javaPad(n: number, width: number): string {
  return n < 0 ? `-${String(-n).padStart(width - 1, '0')}` : String(n).padStart(width, '0');
}

/** ISO_LOCAL_DATE_TIME of an instant counted in units per second since the epoch. */
function isoDateTime(value: bigint, perSecond: bigint): string {
  const perDay = perSecond * 86_400n;
  const days = Number(floorDiv(value, perDay));
  const nanosOfDay = (floorMod(value, perDay) * 1_000_000_000n) / perSecond;
  return `${formatDate(days)}T${formatIsoTime(nanosOfDay)}`;
}

/** LocalTime.toString: seconds only when not zero, fractions in groups of 3 digits. */
function javaLocalTime(nanosOfDay: bigint): string {
  const seconds = nanosOfDay / 1_000_000_000n;
  const nanos = nanosOfDay % 1_000_000_000n;
  const hm = `${String(seconds / 3600n).padStart(2, '0')}:${String((seconds / 60n) % 60n).padStart(2, '0')}`;
  if (seconds % 60n === 0n && nanos === 0n) return hm;
  const hms = `${hm}:${String(seconds % 60n).padStart(2, '0')}`;
  if (nanos === 0n) return hms;
  const fraction = String(nanos).padStart(9, '0');
  if (nanos % 1_000_000n === 0n) return `${hms}.${fraction.slice(0, 3)}`;
  if (nanos % 1_000n === 0n) return `${hms}.${fraction.slice(0, 6)}`;
  return `${hms}.${fraction}`;
}

/** BigDecimal.toString: plain unless the exponent is below -6, then scientific ("1E-7"). */
function javaBigDecimal(unscaled: bigint, scale: number): string {
  const sign = unscaled < 0n ? '-' : '';
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString();
  const adjusted = digits.length - 1 - scale;
  if (adjusted >= -6) {
    if (scale === 0) return sign + digits;
    const padded = digits.padStart(scale + 1, '0');
    return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}E${adjusted}`;
}

/** Double.toString: shortest digits, plain in [1e-3, 1e7), else "d.dddE±n" without a plus sign. */
function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = String(x);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa = '', exponent = ''] = x.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/** The float's shortest decimal digits (Float.toString prints these, not the widened double's). */
function shortestFloat(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let precision = 1; precision < 9; precision += 1) {
    const candidate = Number(x.toPrecision(precision));
    if (Math.fround(candidate) === x) return candidate;
  }
  return Number(x.toPrecision(9));
}
