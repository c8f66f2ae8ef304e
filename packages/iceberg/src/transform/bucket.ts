import type { PrimitiveType } from '../spec/types';
import type { IcebergValue } from '../spec/values';
import { floorDiv, NANOS_PER_MICRO } from '../util/datetime';
import { murmur3x86_32 } from './murmur3';

const utf8 = new TextEncoder();

/** The 32-bit hash of a value as spec Appendix B defines it for each type that may be bucketed. */
export function bucketHash(type: PrimitiveType, value: Exclude<IcebergValue, null>): number {
  switch (type.type) {
    // int and long hash alike so that promoting int to long keeps every bucket (note 1).
    case 'int':
    case 'date':
      return hashLong(BigInt(value as number));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return hashLong(value as bigint);
    // Nanoseconds hash as microseconds (floored), so timestamp and timestamp_ns agree (note 3).
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return hashLong(floorDiv(value as bigint, NANOS_PER_MICRO));
    case 'decimal':
      return murmur3x86_32(minBigEndian(value as bigint));
    case 'string':
      return murmur3x86_32(utf8.encode(value as string));
    case 'uuid':
    case 'fixed':
    case 'binary':
      return murmur3x86_32(value as Uint8Array);
    default:
      throw new Error(`bucket is not defined for ${type.type}`);
  }
}

/** The bucket of a value: (hash & Integer.MAX_VALUE) % N, as the spec writes it. */
export function bucketOf(n: number, type: PrimitiveType, value: Exclude<IcebergValue, null>): number {
  return (bucketHash(type, value) & 0x7fffffff) % n;
}

function hashLong(v: bigint): number {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigInt64(0, BigInt.asIntN(64, v), true);
  return murmur3x86_32(bytes);
}

/** The fewest big-endian two's-complement bytes that hold `v` (Java's BigInteger.toByteArray). */
export function minBigEndian(v: bigint): Uint8Array {
  // Bits needed besides the sign bit; a negative value needs as many as its complement.
  const magnitude = v < 0n ? -v - 1n : v;
  const length = Math.floor(magnitude.toString(2).length / 8) + 1;
  const bytes = new Uint8Array(length);
  let rest = BigInt.asUintN(length * 8, v);
  for (let i = length - 1; i >= 0; i -= 1) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}
