// The portable serialization of a 64-bit Roaring bitmap (the "Roaring format specification" and its
// 64-bit extension, as deletion vectors store row positions): a little-endian count of 32-bit
// bitmaps, then per bitmap its high 32 bits and a 32-bit Roaring bitmap in the portable format.

const COOKIE_NO_RUNS = 12346;
const COOKIE_RUNS = 12347;
/** Containers above this many values are bitmaps of 2^16 bits; at or below, sorted 16-bit arrays. */
const ARRAY_MAX = 4096;
const BITMAP_BYTES = 8192;
/** With run containers and fewer containers than this, the offsets are left out. */
const NO_OFFSET_THRESHOLD = 4;
const TWO_32 = 2 ** 32;

/** Positions (distinct, any order, below 2^53) as a portable 64-bit Roaring bitmap; no run containers. */
export function serializeRoaring64(positions: Iterable<number>): Uint8Array {
  const sorted = [...new Set(positions)].sort((a, b) => a - b);
  for (const p of sorted) {
    if (!Number.isSafeInteger(p) || p < 0)
      throw new Error(`a row position must be a whole number ≥ 0, not ${p}`);
  }
  const byHigh = new Map<number, number[]>();
  for (const p of sorted) {
    const high = Math.floor(p / TWO_32);
    const lows = byHigh.get(high) ?? [];
    byHigh.set(high, lows);
    lows.push(p % TWO_32);
  }
  const parts: Uint8Array[] = [];
  const count = Buffer.alloc(8);
  count.writeBigUInt64LE(BigInt(byHigh.size));
  parts.push(count);
  for (const [high, lows] of byHigh) {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(high);
    parts.push(key, serializeRoaring32(lows));
  }
  return Buffer.concat(parts);
}

/** Sorted distinct 32-bit values as a portable 32-bit Roaring bitmap (array and bitmap containers). */
function serializeRoaring32(sorted: readonly number[]): Uint8Array {
  const containers = new Map<number, number[]>();
  for (const v of sorted) {
    const key = v >>> 16;
    const values = containers.get(key) ?? [];
    containers.set(key, values);
    values.push(v & 0xffff);
  }
  const n = containers.size;
  const header = Buffer.alloc(8 + 4 * n + 4 * n);
  header.writeUInt32LE(COOKIE_NO_RUNS, 0);
  header.writeUInt32LE(n, 4);
  const bodies: Buffer[] = [];
  let offset = header.length;
  let i = 0;
  for (const [key, values] of containers) {
    header.writeUInt16LE(key, 8 + 4 * i);
    header.writeUInt16LE(values.length - 1, 10 + 4 * i);
    header.writeUInt32LE(offset, 8 + 4 * n + 4 * i);
    const body = values.length > ARRAY_MAX ? bitmapContainer(values) : arrayContainer(values);
    bodies.push(body);
    offset += body.length;
    i += 1;
  }
  return Buffer.concat([header, ...bodies]);
}

function arrayContainer(values: readonly number[]): Buffer {
  const body = Buffer.alloc(2 * values.length);
  for (const [i, v] of values.entries()) body.writeUInt16LE(v, 2 * i);
  return body;
}

function bitmapContainer(values: readonly number[]): Buffer {
  const body = Buffer.alloc(BITMAP_BYTES);
  for (const v of values) body[v >>> 3] = (body[v >>> 3] as number) | (1 << (v & 7));
  return body;
}

/** Reads a portable 64-bit Roaring bitmap (any container kind) into its values, ascending. */
export function deserializeRoaring64(bytes: Uint8Array): number[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = buf.readBigUInt64LE(0);
  let at = 8;
  const out: number[] = [];
  for (let b = 0n; b < count; b += 1n) {
    const high = buf.readUInt32LE(at);
    at = readRoaring32(buf, at + 4, high * TWO_32, out);
  }
  return out;
}

/** Reads one 32-bit bitmap at `start`, adding `base` to its values; returns where it ends. */
function readRoaring32(buf: Buffer, start: number, base: number, out: number[]): number {
  const cookie = buf.readUInt32LE(start);
  let at = start + 4;
  let n: number;
  let runs: Uint8Array | undefined;
  if ((cookie & 0xffff) === COOKIE_RUNS) {
    n = (cookie >>> 16) + 1;
    runs = buf.subarray(at, at + Math.ceil(n / 8));
    at += runs.length;
  } else if (cookie === COOKIE_NO_RUNS) {
    n = buf.readUInt32LE(at);
    at += 4;
  } else {
    throw new Error(`not a portable Roaring bitmap (cookie ${cookie})`);
  }
  const keys: number[] = [];
  const cardinalities: number[] = [];
  for (let i = 0; i < n; i += 1) {
    keys.push(buf.readUInt16LE(at));
    cardinalities.push(buf.readUInt16LE(at + 2) + 1);
    at += 4;
  }
  if (runs === undefined || n >= NO_OFFSET_THRESHOLD) at += 4 * n; // offsets: containers follow in order anyway
  for (let i = 0; i < n; i += 1) {
    const high = base + (keys[i] as number) * 65536;
    const card = cardinalities[i] as number;
    if (runs !== undefined && ((runs[i >>> 3] as number) & (1 << (i & 7))) !== 0) {
      const numRuns = buf.readUInt16LE(at);
      at += 2;
      for (let r = 0; r < numRuns; r += 1) {
        const first = buf.readUInt16LE(at);
        const length = buf.readUInt16LE(at + 2);
        at += 4;
        for (let v = first; v <= first + length; v += 1) out.push(high + v);
      }
    } else if (card > ARRAY_MAX) {
      for (let byte = 0; byte < BITMAP_BYTES; byte += 1) {
        const bits = buf[at + byte] as number;
        if (bits === 0) continue;
        for (let bit = 0; bit < 8; bit += 1) if ((bits & (1 << bit)) !== 0) out.push(high + byte * 8 + bit);
      }
      at += BITMAP_BYTES;
    } else {
      for (let j = 0; j < card; j += 1) out.push(high + buf.readUInt16LE(at + 2 * j));
      at += 2 * card;
    }
  }
  return at;
}
