import type { Data, RecordBatch } from 'apache-arrow';
import type { Schema } from '../spec/schema';
import { toBinary } from '../spec/single-value';
import type { IcebergType, PrimitiveType } from '../spec/types';
import { arrowRawValue } from './arrow-values';
import {
  DEFAULT_TRUNCATE_LENGTH,
  truncateBinaryLower,
  truncateBinaryUpper,
  truncateStringLower,
  truncateStringUpper,
} from './truncate-bounds';

/** Per-column statistics of one data file, by field id, as manifest entries carry them. */
export interface ColumnMetrics {
  /** Parquet's leaf entries: one per row at the top level; per element (or per null/empty list) inside lists and maps. */
  valueCounts: Map<number, bigint>;
  nullValueCounts: Map<number, bigint>;
  nanValueCounts: Map<number, bigint>;
  lowerBounds: Map<number, Uint8Array>;
  upperBounds: Map<number, Uint8Array>;
}

// A comparable form of one value: numbers, bigints, or bytes (strings stay UTF-8: byte order is code point order).
type Comparable = number | bigint | Uint8Array;

interface LeafStats {
  type: PrimitiveType;
  /** Bounds are kept only for columns outside lists and maps. */
  bounded: boolean;
  values: number;
  nulls: number;
  nans: number;
  min: Comparable | undefined;
  max: Comparable | undefined;
}

function compare(a: Comparable, b: Comparable): number {
  if (a instanceof Uint8Array) {
    const other = b as Uint8Array;
    const n = Math.min(a.length, other.length);
    for (let i = 0; i < n; i += 1) {
      const d = (a[i] as number) - (other[i] as number);
      if (d !== 0) return d;
    }
    return a.length - other.length;
  }
  if (a === b) return Object.is(a, -0) && Object.is(b, 0) ? -1 : Object.is(a, 0) && Object.is(b, -0) ? 1 : 0;
  return a < (b as number | bigint) ? -1 : 1;
}

/** The value at `i` of a primitive Arrow column, in comparable form (valid entries only). */
function read(type: PrimitiveType, data: Data, i: number): Comparable {
  const raw = arrowRawValue(type, data, i);
  return typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
}

/**
 * Visits the Parquet leaf entries of a column: `positions` are indices into `data`, -1 where an
 * ancestor is null or an empty list/map left the leaf undefined (null = every row of `data`).
 */
function visit(
  type: IcebergType,
  id: number,
  data: Data,
  positions: Int32Array | null,
  repeated: boolean,
  stats: Map<number, LeafStats>,
): void {
  const count = positions === null ? data.length : positions.length;
  const at = (k: number) => (positions === null ? k : (positions[k] as number));
  const defined = (k: number) => {
    const p = at(k);
    return p >= 0 && data.getValid(p) ? p : -1;
  };
  switch (type.type) {
    case 'struct': {
      // A whole column of structs none of which is null: its children are whole columns too (the fast paths).
      let childPositions: Int32Array | null = null;
      if (positions !== null || nullBits(data) !== null) {
        childPositions = new Int32Array(count);
        for (let k = 0; k < count; k += 1) childPositions[k] = defined(k);
      }
      type.fields.forEach((f, c) => {
        visit(f.type, f.id, data.children[c] as Data, childPositions, repeated, stats);
      });
      return;
    }
    case 'list':
    case 'map': {
      const offsets = data.valueOffsets as Int32Array;
      const expanded: number[] = [];
      for (let k = 0; k < count; k += 1) {
        const p = defined(k);
        const start = p < 0 ? 0 : (offsets[p] as number);
        const end = p < 0 ? 0 : (offsets[p + 1] as number);
        if (start === end) expanded.push(-1);
        else for (let e = start; e < end; e += 1) expanded.push(e);
      }
      const childPositions = Int32Array.from(expanded);
      const child = data.children[0] as Data;
      if (type.type === 'list') {
        visit(type.element, type.elementId, child, childPositions, true, stats);
      } else {
        visit(type.key, type.keyId, child.children[0] as Data, childPositions, true, stats);
        visit(type.value, type.valueId, child.children[1] as Data, childPositions, true, stats);
      }
      return;
    }
    default: {
      let s = stats.get(id);
      if (s === undefined) {
        s = { type, bounded: !repeated, values: 0, nulls: 0, nans: 0, min: undefined, max: undefined };
        stats.set(id, s);
      }
      const floating = type.type === 'float' || type.type === 'double';
      s.values += count;
      if (positions === null && s.bounded && (type.type === 'string' || type.type === 'binary')) {
        boundBytes(data, s);
        return;
      }
      if (positions === null && s.bounded && NUMERIC.has(type.type)) {
        boundNumbers(data, s, floating);
        return;
      }
      for (let k = 0; k < count; k += 1) {
        const p = defined(k);
        if (p < 0) {
          s.nulls += 1;
          continue;
        }
        if (!floating && !s.bounded) continue;
        const v = read(type, data, p);
        if (floating && Number.isNaN(v)) {
          s.nans += 1;
          continue;
        }
        if (!s.bounded) continue;
        if (s.min === undefined || compare(v, s.min) < 0) s.min = v;
        if (s.max === undefined || compare(v, s.max) > 0) s.max = v;
      }
    }
  }
}

/** The byte order of entries i and j of a string or binary column, compared where they lie. */
function compareEntries(bytes: Uint8Array, offsets: Int32Array, i: number, j: number): number {
  const a = offsets[i] as number;
  const b = offsets[j] as number;
  const an = (offsets[i + 1] as number) - a;
  const bn = (offsets[j + 1] as number) - b;
  const n = Math.min(an, bn);
  for (let k = 0; k < n; k += 1) {
    const d = (bytes[a + k] as number) - (bytes[b + k] as number);
    if (d !== 0) return d;
  }
  return an - bn;
}

/** The validity bitmap of a column that has nulls (its bit of entry i at data.offset + i), else null. */
function nullBits(data: Data): Uint8Array | null {
  return data.nullCount > 0 ? data.nullBitmap : null;
}

/** Primitive types whose Arrow values are a typed array of numbers or bigints, one entry per row. */
const NUMERIC = new Set([
  'int',
  'long',
  'float',
  'double',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'timestamp_ns',
  'timestamptz_ns',
]);

/** Nulls, NaNs and bounds of a whole numeric column read from its typed array (what visit does, faster). */
function boundNumbers(data: Data, s: LeafStats, floating: boolean): void {
  const values = data.values as ArrayLike<number | bigint>;
  const bits = nullBits(data);
  let min = s.min as number | bigint | undefined;
  let max = s.max as number | bigint | undefined;
  for (let i = 0; i < data.length; i += 1) {
    const bit = data.offset + i;
    if (bits !== null && ((bits[bit >> 3] as number) & (1 << (bit & 7))) === 0) {
      s.nulls += 1;
      continue;
    }
    const v = values[i] as number | bigint;
    if (floating && Number.isNaN(v)) {
      s.nans += 1;
      continue;
    }
    if (min === undefined || max === undefined) {
      min = v;
      max = v;
      continue;
    }
    // compare only for ties, where it orders -0 before 0; a new lower bound cannot be a new upper one.
    if (v < min || (v === min && compare(v, min) < 0)) min = v;
    else if (v > max || (v === max && compare(v, max) > 0)) max = v;
  }
  s.min = min;
  s.max = max;
}

/** Nulls and bounds of a whole string or binary column, without a view per entry (what visit does, faster). */
function boundBytes(data: Data, s: LeafStats): void {
  const bytes = data.values as Uint8Array;
  const offsets = data.valueOffsets as Int32Array;
  const bits = nullBits(data);
  let min = -1;
  let max = -1;
  for (let i = 0; i < data.length; i += 1) {
    const bit = data.offset + i;
    if (bits !== null && ((bits[bit >> 3] as number) & (1 << (bit & 7))) === 0) {
      s.nulls += 1;
      continue;
    }
    if (min < 0) {
      min = i;
      max = i;
      continue;
    }
    // Only an entry above the lower bound can be above the upper one (a repeated value is compared once).
    const order = compareEntries(bytes, offsets, i, min);
    if (order < 0) min = i;
    else if (order > 0 && compareEntries(bytes, offsets, i, max) > 0) max = i;
  }
  if (min < 0) return;
  const entry = (i: number) => bytes.subarray(offsets[i] as number, offsets[i + 1] as number);
  if (s.min === undefined || compare(entry(min), s.min) < 0) s.min = entry(min);
  if (s.max === undefined || compare(entry(max), s.max) > 0) s.max = entry(max);
}

function lowerBound(type: PrimitiveType, v: Comparable, truncate: number): Uint8Array {
  switch (type.type) {
    case 'string':
      return truncateStringLower(v as Uint8Array, truncate).slice();
    case 'binary':
    case 'fixed':
      return truncateBinaryLower(v as Uint8Array, truncate).slice();
    case 'boolean':
      return toBinary(type, v === 1);
    case 'uuid':
      return (v as Uint8Array).slice();
    default:
      return toBinary(type, v as number | bigint);
  }
}

function upperBound(type: PrimitiveType, v: Comparable, truncate: number): Uint8Array | undefined {
  switch (type.type) {
    case 'string':
      return truncateStringUpper(v as Uint8Array, truncate)?.slice();
    case 'binary':
    case 'fixed':
      return truncateBinaryUpper(v as Uint8Array, truncate)?.slice();
    default:
      return lowerBound(type, v, truncate);
  }
}

/**
 * Metrics of the rows of `batches` (all of the schema's Arrow form), computed from the Arrow data
 * itself. NaN is counted, never a bound; bounds are left out for columns inside lists and maps.
 */
export function columnMetrics(
  schema: Schema,
  batches: readonly RecordBatch[],
  truncateLength = DEFAULT_TRUNCATE_LENGTH,
): ColumnMetrics {
  const stats = new Map<number, LeafStats>();
  for (const batch of batches) {
    schema.fields.forEach((f, c) => {
      const column = batch.data.children[c];
      if (column === undefined) throw new Error(`the batch has no column ${c} ("${f.name}")`);
      visit(f.type, f.id, column, null, false, stats);
    });
  }
  const metrics: ColumnMetrics = {
    valueCounts: new Map(),
    nullValueCounts: new Map(),
    nanValueCounts: new Map(),
    lowerBounds: new Map(),
    upperBounds: new Map(),
  };
  for (const [id, s] of stats) {
    metrics.valueCounts.set(id, BigInt(s.values));
    metrics.nullValueCounts.set(id, BigInt(s.nulls));
    if (s.type.type === 'float' || s.type.type === 'double') metrics.nanValueCounts.set(id, BigInt(s.nans));
    if (s.min !== undefined) metrics.lowerBounds.set(id, lowerBound(s.type, s.min, truncateLength));
    if (s.max !== undefined) {
      const upper = upperBound(s.type, s.max, truncateLength);
      if (upper !== undefined) metrics.upperBounds.set(id, upper);
    }
  }
  return metrics;
}
