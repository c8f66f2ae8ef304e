import { RecordRejectedError } from './decoded';

/**
 * The Confluent wire format of a registry-encoded value: magic byte 0, the schema id as a 4-byte
 * big-endian int, then the payload. Protobuf payloads start with the message-index path (which message
 * of the schema's file), as zigzag varints: a count, then the indexes; a lone 0 means [0].
 */

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

export interface WireValue {
  schemaId: number;
  payload: Buffer;
}

export function readWireHeader(value: Buffer): WireValue {
  if (value.length === 0) throw new RecordRejectedError('undecodable', 'the value is empty');
  if (value[0] !== MAGIC_BYTE) {
    throw new RecordRejectedError(
      'bad-magic-byte',
      `the value starts with byte ${value[0]}, not the schema registry's magic byte 0 (was it written without a registry serializer?)`,
    );
  }
  if (value.length < HEADER_BYTES) {
    throw new RecordRejectedError(
      'undecodable',
      `the value has ${value.length} bytes, fewer than the 5 of a schema registry header`,
    );
  }
  return { schemaId: value.readInt32BE(1), payload: value.subarray(HEADER_BYTES) };
}

export function writeWireHeader(schemaId: number, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, payload]);
}

export interface IndexedPayload {
  /** The message-index path: [0] is the file's first message, [1, 0] the first message nested in its second. */
  indexes: number[];
  payload: Buffer;
}

export function readMessageIndexes(payload: Buffer): IndexedPayload {
  const reader = new VarintReader(payload);
  const count = reader.next('the message-index count');
  if (count === 0) return { indexes: [0], payload: payload.subarray(reader.pos) };
  // Each index takes at least a byte, so a count beyond the bytes left is garbage, not a big allocation.
  if (count < 0 || count > payload.length - reader.pos) {
    throw new RecordRejectedError('undecodable', `the Protobuf message-index count ${count} is not possible`);
  }
  const indexes: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const index = reader.next('a message index');
    if (index < 0)
      throw new RecordRejectedError('undecodable', `the Protobuf message index ${index} is negative`);
    indexes.push(index);
  }
  return { indexes, payload: payload.subarray(reader.pos) };
}

/** The message-index prefix for a path; [0] is the single byte 0, as Confluent's serializers write it. */
export function writeMessageIndexes(indexes: readonly number[]): Buffer {
  const path = indexes.length === 1 && indexes[0] === 0 ? [] : indexes;
  return Buffer.from([path.length, ...path].flatMap(zigzagVarint));
}

function zigzagVarint(n: number): number[] {
  let rest = ((n << 1) ^ (n >> 31)) >>> 0;
  const bytes: number[] = [];
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return bytes;
}

/** Reads zigzag varints of 32-bit ints (at most 5 bytes each). */
class VarintReader {
  pos = 0;

  constructor(private readonly bytes: Buffer) {}

  next(what: string): number {
    let raw = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.bytes[this.pos];
      if (byte === undefined) throw new RecordRejectedError('undecodable', `the value ends inside ${what}`);
      this.pos += 1;
      raw += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        if (raw > 0xffffffff) break;
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
    throw new RecordRejectedError('undecodable', `${what} is not a 32-bit varint`);
  }
}
