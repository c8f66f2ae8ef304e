import { MAX_DECIMAL_PRECISION, type PrimitiveType, primitiveToString, T } from '@floe/iceberg';
import { RecordRejectedError } from '../decode/decoded';

/**
 * How a record's primitive value goes into a column of another primitive type: converted exactly, or
 * (`widen`) only after the column takes a legal Iceberg promotion, or not at all (rejected with the
 * field, value and types named). No conversion ever loses a digit.
 */
export type PrimitiveFit = { value: unknown } | { widen: PrimitiveType };

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const MAX_EXACT_DOUBLE = 2n ** 53n;

export function describeValue(value: unknown): string {
  const text =
    typeof value === 'bigint'
      ? value.toString()
      : value instanceof Uint8Array
        ? `${value.length} bytes`
        : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function mismatch(path: string, value: unknown, record: PrimitiveType, column: PrimitiveType): never {
  throw new RecordRejectedError(
    'type-mismatch',
    `${path}: ${record.type} value ${describeValue(value)} does not fit column type ${primitiveToString(column)}`,
  );
}

const digits = (v: bigint) => (v < 0n ? -v : v).toString().length;

export function fitPrimitive(
  column: PrimitiveType,
  record: PrimitiveType,
  value: unknown,
  path: string,
): PrimitiveFit {
  if (primitiveToString(column) === primitiveToString(record)) return { value };
  const fail = () => mismatch(path, value, record, column);
  switch (column.type) {
    case 'long':
      if (record.type === 'int') return { value: BigInt(value as number) };
      if (record.type === 'double' || record.type === 'float') {
        const n = value as number;
        return Number.isSafeInteger(n) ? { value: BigInt(n) } : fail();
      }
      return fail();
    case 'int':
      if (record.type === 'long') {
        const v = value as bigint;
        return v >= BigInt(INT32_MIN) && v <= BigInt(INT32_MAX) ? { value: Number(v) } : { widen: T.long };
      }
      if (record.type === 'double' || record.type === 'float') {
        const n = value as number;
        return Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX ? { value: n } : fail();
      }
      return fail();
    case 'double':
      if (record.type === 'float' || record.type === 'int') return { value };
      if (record.type === 'long') {
        const v = value as bigint;
        return v <= MAX_EXACT_DOUBLE && v >= -MAX_EXACT_DOUBLE ? { value: Number(v) } : fail();
      }
      return fail();
    case 'float': {
      if (record.type !== 'double' && record.type !== 'int' && record.type !== 'long') return fail();
      const n = record.type === 'long' ? Number(value as bigint) : (value as number);
      if (record.type === 'long' && BigInt(n) !== value) return fail();
      // A value a float cannot hold exactly needs the column widened to double (which holds it exactly).
      return Number.isNaN(n) || Math.fround(n) === n ? { value: n } : { widen: T.double };
    }
    case 'decimal':
      return fitDecimal(column, record, value, fail);
    case 'timestamptz_ns':
    case 'timestamp_ns':
      if (record.type === (column.type === 'timestamptz_ns' ? 'timestamptz' : 'timestamp')) {
        return { value: (value as bigint) * 1000n };
      }
      return fail();
    case 'timestamptz':
    case 'timestamp':
      if (record.type === `${column.type}_ns`) {
        const v = value as bigint;
        return v % 1000n === 0n ? { value: v / 1000n } : fail();
      }
      return fail();
    default:
      return fail();
  }
}

/** A decimal, int or long into decimal(P,S): rescaled exactly; more digits than P widens when the scale matches. */
function fitDecimal(
  column: { precision: number; scale: number },
  record: PrimitiveType,
  value: unknown,
  fail: () => never,
): PrimitiveFit {
  let unscaled: bigint;
  let scale: number;
  if (record.type === 'decimal') {
    unscaled = value as bigint;
    scale = record.scale;
  } else if (record.type === 'int' || record.type === 'long') {
    unscaled = BigInt(value as number | bigint);
    scale = 0;
  } else {
    return fail();
  }
  if (scale > column.scale) {
    const divisor = 10n ** BigInt(scale - column.scale);
    if (unscaled % divisor !== 0n) return fail();
    unscaled /= divisor;
  } else {
    unscaled *= 10n ** BigInt(column.scale - scale);
  }
  const needed = digits(unscaled);
  if (needed <= column.precision) return { value: unscaled };
  // Only a precision increase at the same scale is a legal promotion.
  if (record.type === 'decimal' && record.scale === column.scale && needed <= MAX_DECIMAL_PRECISION) {
    return { widen: T.decimal(Math.max(record.precision, needed), column.scale) };
  }
  return fail();
}
