import type { PrimitiveType } from './types';
import type { IcebergValue } from './values';

/**
 * Single-value binary serialization (spec Appendix D), used for manifest bounds and partition summaries:
 * little-endian ints, longs, floats and doubles; dates as int days, times and timestamps as long
 * micros (nanos for the _ns types); decimals as the minimal big-endian two's complement of the
 * unscaled value; strings as UTF-8; uuids as 16 big-endian bytes; fixed and binary as they are.
 */
export function toBinary(type: PrimitiveType, value: Exclude<IcebergValue, null>): Uint8Array {
  switch (type.type) {
    case 'boolean':
      return Uint8Array.of(value ? 1 : 0);
    case 'int':
    case 'date': {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setInt32(0, value as number, true);
      return out;
    }
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigInt64(0, value as bigint, true);
      return out;
    }
    case 'float': {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setFloat32(0, value as number, true);
      return out;
    }
    case 'double': {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setFloat64(0, value as number, true);
      return out;
    }
    case 'decimal':
      return decimalToBytes(value as bigint);
    case 'string':
      return new TextEncoder().encode(value as string);
    case 'uuid':
    case 'fixed':
    case 'binary':
      return value as Uint8Array;
  }
}

export function fromBinary(type: PrimitiveType, bytes: Uint8Array): Exclude<IcebergValue, null> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type.type) {
    case 'boolean':
      return bytes[0] !== 0;
    case 'int':
    case 'date':
      return view.getInt32(0, true);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return view.getBigInt64(0, true);
    case 'float':
      return view.getFloat32(0, true);
    case 'double':
      return view.getFloat64(0, true);
    case 'decimal':
      return decimalFromBytes(bytes);
    case 'string':
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    case 'uuid':
    case 'fixed':
    case 'binary':
      return bytes;
  }
}

/** The fewest big-endian two's complement bytes that hold `unscaled` (Java's BigInteger.toByteArray). */
export function decimalToBytes(unscaled: bigint): Uint8Array {
  let length = 1;
  while (unscaled >= 1n << BigInt(8 * length - 1) || unscaled < -(1n << BigInt(8 * length - 1))) length += 1;
  let bits = BigInt.asUintN(8 * length, unscaled);
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i -= 1) {
    out[i] = Number(bits & 0xffn);
    bits >>= 8n;
  }
  return out;
}

export function decimalFromBytes(bytes: Uint8Array): bigint {
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  return BigInt.asIntN(8 * bytes.length, bits);
}
