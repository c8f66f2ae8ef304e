import type { NativeRecordIndex } from '../engine/native-module';

/** The record batches of a fetch, as `indexRecordBatches` takes them (the native module's signature). */
export type RecordIndexer = (
  data: Buffer,
  ranges: Uint32Array,
  baseOffsets: BigInt64Array,
  baseTimestamps: BigInt64Array,
  appendTimes: BigInt64Array,
  counts: Uint32Array,
) => NativeRecordIndex;

/** Where a record batch's reading stands: one object per fetch, not per record or field. */
class Cursor {
  pos = 0;
  end = 0;

  constructor(private readonly data: Buffer) {}

  fail(what: string): never {
    throw new Error(`a corrupt Kafka record at byte ${this.pos} of its batch: ${what}`);
  }

  byte(): number {
    if (this.pos >= this.end) this.fail('it ends early');
    return this.data[this.pos++] as number;
  }

  /** A zigzag varint (Kafka's varint and varlong) as a number: exact up to 2^53, which every length and delta here is. */
  varlong(): number {
    let raw = 0;
    let scale = 1;
    for (let shift = 0; shift < 70; shift += 7) {
      const b = this.byte();
      raw += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (raw > Number.MAX_SAFE_INTEGER) this.fail('a varint beyond 2^53');
        return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      }
      scale *= 128;
    }
    return this.fail('a varint longer than 64 bits');
  }

  /** A length-prefixed byte string: writes its range at `ranges[at]`, and whether it is null (length -1). */
  bytes(ranges: Uint32Array | number[], at: number): boolean {
    const length = this.varlong();
    if (length === -1) {
      ranges[at] = 0;
      ranges[at + 1] = 0;
      return true;
    }
    if (length < 0 || length > this.end - this.pos) this.fail(`a length of ${length} beyond the record`);
    ranges[at] = this.pos;
    this.pos += length;
    ranges[at + 1] = this.pos;
    return false;
  }
}

/**
 * The portable twin of the native module's `indexRecordBatches` (packages/engine/src/wire.rs): every
 * record of Kafka record batches (format v2) indexed in one pass into ranges of the fetched bytes, so
 * the portable engine, like the native one, reads fetches in place — no kafkajs message object, Long,
 * offset string or Buffer per record. An error names what is corrupt and where.
 */
export const indexRecordBatches: RecordIndexer = (
  data,
  ranges,
  baseOffsets,
  baseTimestamps,
  appendTimes,
  counts,
) => {
  const total = counts.reduce((n, c) => n + c, 0);
  const flags = new Uint8Array(total);
  const offsets = new BigInt64Array(total);
  const timestamps = new BigInt64Array(total);
  const valueRanges = new Uint32Array(2 * total);
  const keyRanges = new Uint32Array(2 * total);
  const headerStarts = new Uint32Array(total + 1);
  const headerRanges: number[] = [];
  const headerNull: number[] = [];
  const c = new Cursor(data);
  let i = 0;
  for (let b = 0; b < counts.length; b += 1) {
    const start = ranges[2 * b] as number;
    const end = ranges[2 * b + 1] as number;
    if (start > end || end > data.length) throw new Error(`record batch ${b} lies outside the fetched bytes`);
    const baseOffset = baseOffsets[b] as bigint;
    const appendTime = appendTimes[b] as bigint;
    const baseTimestamp = baseTimestamps[b] as bigint;
    c.pos = start;
    for (let r = (counts[b] as number) - 1; r >= 0; r -= 1, i += 1) {
      c.end = end;
      const length = c.varlong();
      if (length < 0 || length > c.end - c.pos) c.fail(`a record length of ${length} beyond the batch`);
      const recordEnd = c.pos + length;
      c.end = recordEnd;
      c.byte(); // attributes: unused in format v2
      const timestampDelta = c.varlong();
      const offsetDelta = c.varlong();
      const keyNull = c.bytes(keyRanges, 2 * i);
      const valueNull = c.bytes(valueRanges, 2 * i);
      const headers = c.varlong();
      if (headers < 0 || headers > c.end - c.pos) c.fail(`${headers} headers`);
      for (let h = 0; h < headers; h += 1) {
        if (c.bytes(headerRanges, headerRanges.length)) c.fail('a header without a key');
        headerNull.push(c.bytes(headerRanges, headerRanges.length) ? 1 : 0);
      }
      if (c.pos !== recordEnd) c.fail('bytes left after the headers');
      timestamps[i] =
        appendTime >= 0n ? appendTime : BigInt.asIntN(64, baseTimestamp + BigInt(timestampDelta));
      offsets[i] = BigInt.asIntN(64, baseOffset + BigInt(offsetDelta));
      flags[i] = (valueNull ? 1 : 0) | (keyNull ? 2 : 0);
      headerStarts[i + 1] = headerNull.length;
    }
  }
  return {
    flags,
    offsets,
    timestamps,
    valueRanges,
    keyRanges,
    headerStarts,
    headerRanges: Uint32Array.from(headerRanges),
    headerNull: Uint8Array.from(headerNull),
  };
};
