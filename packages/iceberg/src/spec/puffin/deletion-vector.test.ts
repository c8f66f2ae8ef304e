import { describe, expect, it } from 'vitest';
import { deserializeDeletionVector, serializeDeletionVector } from './deletion-vector';
import { writePuffin } from './puffin-file';

// The blob the Iceberg Java implementation (1.10.1, BaseDVFileWriter) wrote for positions 3 and 7.
const JAVA_BLOB = '00000024d1d339640100000000000000000000003a30000001000000000001001000000003000700a6519a26';

describe('deletion vectors', () => {
  it('serializes positions as the reference implementation does', () => {
    expect(Buffer.from(serializeDeletionVector([7, 3])).toString('hex')).toBe(JAVA_BLOB);
    expect(deserializeDeletionVector(Buffer.from(JAVA_BLOB, 'hex'))).toEqual([3, 7]);
  });

  it('round-trips array and bitmap containers over several high keys', () => {
    const positions = [
      ...Array.from({ length: 5000 }, (_, i) => i * 3), // > 4096 in container 0: a bitmap container
      70_000,
      2 ** 32 + 5, // a second 32-bit bitmap
      2 ** 40,
    ];
    expect(deserializeDeletionVector(serializeDeletionVector(positions))).toEqual(positions);
  });

  it('refuses a blob whose checksum does not match', () => {
    const blob = Buffer.from(JAVA_BLOB, 'hex');
    blob[20] = 9;
    expect(() => deserializeDeletionVector(blob)).toThrow('CRC-32');
  });

  it('writes a Puffin file whose footer locates its blobs', () => {
    const blob = serializeDeletionVector([1]);
    const { bytes, locations } = writePuffin(
      [{ type: 't', fields: [1], snapshotId: -1n, sequenceNumber: -1n, properties: {}, bytes: blob }],
      { 'created-by': 'x' },
    );
    const buf = Buffer.from(bytes);
    expect(buf.subarray(0, 4).toString()).toBe('PFA1');
    expect(buf.subarray(-4).toString()).toBe('PFA1');
    const size = buf.readInt32LE(buf.length - 12);
    const footer = JSON.parse(buf.subarray(buf.length - 12 - size, buf.length - 12).toString());
    expect(footer.blobs[0]).toMatchObject({ offset: 4, length: blob.length, 'snapshot-id': -1 });
    expect(locations).toEqual([{ offset: 4, length: blob.length }]);
    expect(buf.subarray(4, 4 + blob.length)).toEqual(Buffer.from(blob));
  });
});
