import { describe, expect, it } from 'vitest';
import { RecordRejectedError } from './decoded';
import { readMessageIndexes, readWireHeader, writeMessageIndexes, writeWireHeader } from './wire-format';

function rejection(run: () => unknown): RecordRejectedError {
  try {
    run();
  } catch (error) {
    if (error instanceof RecordRejectedError) return error;
    throw error;
  }
  throw new Error('expected a RecordRejectedError');
}

describe('the Confluent wire header', () => {
  it('reads the schema id big-endian and leaves the payload', () => {
    const value = Buffer.from([0, 0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb]);
    const { schemaId, payload } = readWireHeader(value);
    expect(schemaId).toBe(0x01020304);
    expect([...payload]).toEqual([0xaa, 0xbb]);
  });

  it('writes what it reads', () => {
    const value = writeWireHeader(70_000, Buffer.from('x'));
    expect([...value]).toEqual([0, 0, 1, 0x11, 0x70, 0x78]);
    expect(readWireHeader(value).schemaId).toBe(70_000);
  });

  it('refuses a value that does not start with the magic byte', () => {
    const error = rejection(() => readWireHeader(Buffer.from('{"a":1}')));
    expect(error.reason).toBe('bad-magic-byte');
    expect(error.message).toContain('starts with byte 123');
  });

  it('refuses a value too short for the header, and an empty one', () => {
    expect(rejection(() => readWireHeader(Buffer.from([0, 0, 1]))).reason).toBe('undecodable');
    expect(rejection(() => readWireHeader(Buffer.alloc(0))).reason).toBe('undecodable');
  });
});

describe('Protobuf message indexes', () => {
  it('reads a single 0 as the first message', () => {
    const { indexes, payload } = readMessageIndexes(Buffer.from([0, 0x08, 0x01]));
    expect(indexes).toEqual([0]);
    expect([...payload]).toEqual([0x08, 0x01]);
  });

  it('reads a path as zigzag varints: a count, then the indexes', () => {
    // count 2 → 4, index 1 → 2, index 70 → 140 (0x8c 0x01)
    const { indexes, payload } = readMessageIndexes(Buffer.from([0x04, 0x02, 0x8c, 0x01, 0xff]));
    expect(indexes).toEqual([1, 70]);
    expect([...payload]).toEqual([0xff]);
  });

  it('writes [0] as a single 0 and other paths in full', () => {
    expect([...writeMessageIndexes([0])]).toEqual([0]);
    expect([...writeMessageIndexes([1, 70])]).toEqual([0x04, 0x02, 0x8c, 0x01]);
    expect(readMessageIndexes(writeMessageIndexes([3, 0, 2])).indexes).toEqual([3, 0, 2]);
  });

  it('refuses a truncated, negative or impossible path', () => {
    expect(rejection(() => readMessageIndexes(Buffer.from([0x04, 0x02, 0x8c]))).message).toContain(
      'ends inside',
    );
    expect(rejection(() => readMessageIndexes(Buffer.from([0x02, 0x01]))).message).toContain('negative');
    expect(rejection(() => readMessageIndexes(Buffer.from([0x01]))).message).toContain('count -1');
    expect(rejection(() => readMessageIndexes(Buffer.from([0xc8, 0x01, 0x00]))).message).toContain(
      'count 100',
    );
    const tooLong = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(rejection(() => readMessageIndexes(tooLong)).message).toContain('not a 32-bit varint');
  });
});
