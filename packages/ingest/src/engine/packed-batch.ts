import { indexRecordBatches, type RecordIndexer } from '../kafka/record-index';
import type { FetchedRecordBatch } from '../kafka/wire-fetch';
import type { EngineName, RawBatch, RawRecord } from './engine';
import { loadNative, type NativeRecordIndex } from './native-module';

/**
 * Records whose keys, values and headers lie in one buffer, found through ranges (the layout the
 * native engine reads): the record batches of a Kafka fetch in place (kafka/wire-fetch.ts), or a
 * list of records packed (`packBatch`). A view from `start` to the end shares the buffer and the index.
 */
export class PackedBatch implements RawBatch {
  readonly length: number;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly data: Buffer,
    readonly index: NativeRecordIndex,
    readonly start = 0,
  ) {
    this.length = index.flags.length - start;
  }

  offset(i: number): bigint {
    return this.index.offsets[this.start + i] as bigint;
  }

  timestampMs(i: number): bigint {
    return this.index.timestamps[this.start + i] as bigint;
  }

  record(i: number): RawRecord {
    const at = this.start + i;
    const { flags, valueRanges, keyRanges, headerStarts, headerRanges, headerNull } = this.index;
    const flag = flags[at] as number;
    const headers: { key: string; value: Buffer | null }[] = [];
    for (let h = headerStarts[at] as number; h < (headerStarts[at + 1] as number); h += 1) {
      headers.push({
        key: this.range(headerRanges, 2 * h).toString('utf8'),
        value: headerNull[h] === 1 ? null : this.range(headerRanges, 2 * h + 1),
      });
    }
    return {
      offset: this.offset(i),
      timestampMs: this.timestampMs(i),
      key: flag & 2 ? null : this.range(keyRanges, at),
      value: flag & 1 ? null : this.range(valueRanges, at),
      headers,
    };
  }

  /** The bytes of range `j` of `ranges` (a method, not a closure made per record). */
  private range(ranges: Uint32Array, j: number): Buffer {
    return this.data.subarray(ranges[2 * j] as number, ranges[2 * j + 1] as number);
  }

  get bytes(): number {
    const { valueRanges, keyRanges, headerStarts, headerRanges } = this.index;
    const end = this.start + this.length;
    let n = 0;
    for (let j = 2 * this.start; j < 2 * end; j += 2) {
      n += (valueRanges[j + 1] as number) - (valueRanges[j] as number);
      n += (keyRanges[j + 1] as number) - (keyRanges[j] as number);
    }
    for (let j = 4 * (headerStarts[this.start] as number); j < 4 * (headerStarts[end] as number); j += 2) {
      n += (headerRanges[j + 1] as number) - (headerRanges[j] as number);
    }
    return n;
  }

  slice(from: number): PackedBatch {
    return new PackedBatch(this.topic, this.partition, this.data, this.index, this.start + from);
  }
}

/** A batch in the packed layout: itself when it is packed already, else its records copied into one buffer. */
export function packBatch(batch: RawBatch): PackedBatch {
  if (batch instanceof PackedBatch) return batch;
  const n = batch.length;
  const index: NativeRecordIndex = {
    flags: new Uint8Array(n),
    offsets: new BigInt64Array(n),
    timestamps: new BigInt64Array(n),
    valueRanges: new Uint32Array(2 * n),
    keyRanges: new Uint32Array(2 * n),
    headerStarts: new Uint32Array(n + 1),
    headerRanges: new Uint32Array(0),
    headerNull: new Uint8Array(0),
  };
  const parts: Buffer[] = [];
  const headerRanges: number[] = [];
  const headerNull: number[] = [];
  let size = 0;
  const put = (bytes: Buffer, ranges: Uint32Array | number[], at: number) => {
    parts.push(bytes);
    ranges[at] = size;
    size += bytes.length;
    ranges[at + 1] = size;
  };
  for (let i = 0; i < n; i += 1) {
    const r = batch.record(i);
    index.offsets[i] = r.offset;
    index.timestamps[i] = r.timestampMs;
    index.flags[i] = (r.value === null ? 1 : 0) | (r.key === null ? 2 : 0);
    if (r.value !== null) put(r.value, index.valueRanges, 2 * i);
    if (r.key !== null) put(r.key, index.keyRanges, 2 * i);
    for (const h of r.headers) {
      put(Buffer.from(h.key, 'utf8'), headerRanges, headerRanges.length);
      if (h.value === null) headerRanges.push(0, 0);
      else put(h.value, headerRanges, headerRanges.length);
      headerNull.push(h.value === null ? 1 : 0);
    }
    index.headerStarts[i + 1] = headerNull.length;
  }
  index.headerRanges = Uint32Array.from(headerRanges);
  index.headerNull = Uint8Array.from(headerNull);
  return new PackedBatch(batch.topic, batch.partition, Buffer.concat(parts, size), index);
}

/**
 * The records of Kafka record batches kept whole by the fetch (kafka/wire-fetch.ts), indexed by the
 * engine that reads them: the native module's indexer, or its TypeScript twin for the portable engine.
 */
export function unpackFetched(
  topic: string,
  partition: number,
  batches: readonly FetchedRecordBatch[],
  engine: EngineName,
): PackedBatch {
  const n = batches.length;
  const baseOffsets = new BigInt64Array(n);
  const baseTimestamps = new BigInt64Array(n);
  const appendTimes = new BigInt64Array(n);
  const counts = new Uint32Array(n);
  for (let i = 0; i < n; i += 1) {
    const b = batches[i] as FetchedRecordBatch;
    baseOffsets[i] = b.baseOffset;
    baseTimestamps[i] = b.baseTimestamp;
    appendTimes[i] = b.appendTime;
    counts[i] = b.count;
  }
  const data = spanning(batches.map((b) => b.records));
  const index = indexerOf(engine)(
    data.buffer,
    Uint32Array.from(data.ranges),
    baseOffsets,
    baseTimestamps,
    appendTimes,
    counts,
  );
  return new PackedBatch(topic, partition, data.buffer, index);
}

function indexerOf(engine: EngineName): RecordIndexer {
  if (engine === 'portable') return indexRecordBatches;
  const native = loadNative();
  if ('error' in native) throw new Error(native.error);
  return native.module.indexRecordBatches;
}

/**
 * One buffer holding every part, and where each part lies in it: uncompressed record batches are
 * views into the same fetch response, so the view spanning them all is taken as it is (no copy);
 * parts from elsewhere (decompressed batches) are copied together.
 */
function spanning(parts: Buffer[]): { buffer: Buffer; ranges: number[] } {
  const first = parts[0] as Buffer;
  if (parts.every((p) => p.buffer === first.buffer)) {
    const start = Math.min(...parts.map((p) => p.byteOffset));
    const end = Math.max(...parts.map((p) => p.byteOffset + p.length));
    const ranges = parts.flatMap((p) => [p.byteOffset - start, p.byteOffset - start + p.length]);
    return { buffer: Buffer.from(first.buffer, start, end - start), ranges };
  }
  const ranges: number[] = [];
  let size = 0;
  for (const p of parts) {
    ranges.push(size, size + p.length);
    size += p.length;
  }
  return { buffer: Buffer.concat(parts, size), ranges };
}
