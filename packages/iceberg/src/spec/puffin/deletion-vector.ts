import { crc32 } from 'node:zlib';
import { deserializeRoaring64, serializeRoaring64 } from './roaring';

// A deletion vector blob (Puffin spec, "deletion-vector-v1"): the length of magic and vector as 4
// bytes big-endian, the magic D1 D3 39 64, the positions as a portable 64-bit Roaring bitmap, and a
// CRC-32 of magic and vector as 4 bytes big-endian.

export const DELETION_VECTOR_V1 = 'deletion-vector-v1';
/** The _pos metadata column's field id: the one field a deletion vector's blob metadata names. */
export const ROW_POSITION_FIELD_ID = 2147483645;
const MAGIC = Buffer.from([0xd1, 0xd3, 0x39, 0x64]);

/** The blob of a deletion vector of these row positions (from 0) in one data file. */
export function serializeDeletionVector(positions: Iterable<number>): Uint8Array {
  const vector = Buffer.concat([MAGIC, serializeRoaring64(positions)]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(vector.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(vector));
  return Buffer.concat([length, vector, crc]);
}

/** The row positions a deletion vector blob deletes, ascending; throws on a damaged blob. */
export function deserializeDeletionVector(blob: Uint8Array): number[] {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < 12) throw new Error(`a deletion vector blob is at least 12 bytes, this one ${buf.length}`);
  const length = buf.readUInt32BE(0);
  if (length !== buf.length - 8) {
    throw new Error(`deletion vector length ${length} does not match its blob of ${buf.length} bytes`);
  }
  const vector = buf.subarray(4, 4 + length);
  if (!vector.subarray(0, 4).equals(MAGIC)) throw new Error('deletion vector magic bytes are wrong');
  if (crc32(vector) !== buf.readUInt32BE(4 + length))
    throw new Error('deletion vector CRC-32 does not match');
  return deserializeRoaring64(vector.subarray(4));
}
