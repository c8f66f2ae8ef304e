/**
 * How Floe holds a single Iceberg value in JavaScript. 64-bit values are always bigint, never a
 * number, so nothing beyond 2^53 is rounded:
 *
 * | Iceberg type                   | JS value                                   |
 * |--------------------------------|--------------------------------------------|
 * | boolean                        | boolean                                    |
 * | int, date                      | number (date: days from 1970-01-01)        |
 * | long                           | bigint                                     |
 * | float, double                  | number                                     |
 * | decimal(P,S)                   | bigint: the unscaled value (14.20 → 1420n) |
 * | time                           | bigint: microseconds from midnight         |
 * | timestamp, timestamptz         | bigint: microseconds from the epoch (UTC)  |
 * | timestamp_ns, timestamptz_ns   | bigint: nanoseconds from the epoch (UTC)   |
 * | string                         | string                                     |
 * | uuid                           | Uint8Array of 16 bytes, big-endian         |
 * | fixed(L), binary               | Uint8Array                                 |
 *
 * null is a missing value.
 */
export type IcebergValue = boolean | number | bigint | string | Uint8Array | null;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidToBytes(uuid: string): Uint8Array {
  if (!UUID_RE.test(uuid)) throw new Error(`not a UUID: "${uuid}"`);
  return Uint8Array.from(Buffer.from(uuid.replaceAll('-', ''), 'hex'));
}

export function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new Error(`a UUID has 16 bytes, got ${bytes.length}`);
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The unscaled value of a decimal string at the given scale ("14.20", 2 → 1420n); refuses lost digits. */
export function parseDecimal(text: string, scale: number): bigint {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (match === null || (match[2] === '' && (match[3] ?? '') === ''))
    throw new Error(`not a decimal: "${text}"`);
  const [, sign, whole = '', fraction = ''] = match;
  if (fraction.length > scale && /[1-9]/.test(fraction.slice(scale))) {
    throw new Error(`decimal "${text}" has more than ${scale} digits after the point`);
  }
  const unscaled = BigInt(`${whole || '0'}${fraction.slice(0, scale).padEnd(scale, '0')}`);
  return sign === '-' ? -unscaled : unscaled;
}

/** A grouping key that tells apart values of every kind a partition tuple holds. */
export function tupleKey(values: readonly IcebergValue[]): string {
  return values
    .map((v) =>
      v === null
        ? 'null'
        : v instanceof Uint8Array
          ? `b:${Buffer.from(v).toString('hex')}`
          : `${typeof v}:${String(v)}`,
    )
    .join('/');
}
