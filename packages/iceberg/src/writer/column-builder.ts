import { type Data, makeData, type RecordBatch } from 'apache-arrow';
import type { Schema } from '../spec/schema';
import type { NestedField } from '../spec/types';
import { arrowType } from './arrow-schema';
import { batchOf, columnData, fail, ValueError } from './rows-to-arrow';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** How a column's values are held: in the Arrow buffers of its type, or as values until build. */
type Layout = 'utf8' | 'int64' | 'float64' | 'values';

const LAYOUTS: Partial<Record<string, Layout>> = {
  string: 'utf8',
  long: 'int64',
  time: 'int64',
  timestamp: 'int64',
  timestamptz: 'int64',
  timestamp_ns: 'int64',
  timestamptz_ns: 'int64',
  double: 'float64',
};

/**
 * One top-level column's values, appended row by row. Strings, 64-bit integers and doubles go
 * straight into the buffers Arrow takes (UTF-8 bytes and offsets, a BigInt64Array, a Float64Array),
 * so a held row leaves no string, bigint or number object for the garbage collector to copy; other
 * types are held as values. build() gives the same Arrow data as `columnsToArrow` does for the
 * values, and a value that does not fit fails the same way (ValueError), only when appended.
 */
export class ColumnBuilder {
  private readonly layout: Layout;
  private rows = 0;
  private nulls = 0;
  private validity = new Uint8Array(64);
  private offsets = new Int32Array(512);
  private bytes = Buffer.allocUnsafe(0);
  private size = 0;
  private int64 = new BigInt64Array(0);
  private float64 = new Float64Array(0);
  private readonly values: unknown[] = [];

  /** `asValues`: hold every value as it is (e.g. when rows must be read back to partition them). */
  constructor(
    private readonly field: NestedField,
    asValues = false,
  ) {
    this.layout = asValues ? 'values' : (LAYOUTS[field.type.type] ?? 'values');
  }

  get length(): number {
    return this.rows;
  }

  /** The values held as values; only for a builder made `asValues`. */
  heldValues(): readonly unknown[] {
    if (this.layout !== 'values') throw new Error(`${this.field.name} holds its values in Arrow buffers`);
    return this.values;
  }

  /** Appends a row's value; a value that does not fit throws and leaves the column as it was. */
  append(value: unknown): void {
    const row = this.rows;
    if (this.layout === 'values') {
      this.values.push(value);
      this.rows = row + 1;
      return;
    }
    if (value == null) {
      if (this.field.required) throw new ValueError(`${this.field.name} is required, row ${row} has null`);
    } else if (this.layout === 'utf8' && typeof value !== 'string') {
      fail(this.field.name, row, value, 'a string');
    } else if (
      this.layout === 'int64' &&
      (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX)
    ) {
      fail(this.field.name, row, value, 'a 64-bit bigint');
    } else if (this.layout === 'float64' && typeof value !== 'number') {
      fail(this.field.name, row, value, 'a number');
    }
    if (row >> 3 >= this.validity.length) this.validity = grown(this.validity, row >> 3);
    if (value == null) this.nulls += 1;
    else this.validity[row >> 3] = (this.validity[row >> 3] as number) | (1 << (row & 7));
    switch (this.layout) {
      case 'utf8': {
        if (value != null) {
          const text = value as string;
          // 3 bytes per UTF-16 unit covers any string.
          if (this.size + 3 * text.length > this.bytes.length) {
            const bytes = Buffer.allocUnsafe(
              Math.max(2 * this.bytes.length, this.size + 3 * text.length, 4096),
            );
            this.bytes.copy(bytes, 0, 0, this.size);
            this.bytes = bytes;
          }
          this.size += this.bytes.write(text, this.size);
        }
        if (row + 1 >= this.offsets.length) this.offsets = grown(this.offsets, row + 1);
        this.offsets[row + 1] = this.size;
        break;
      }
      case 'int64':
        if (row >= this.int64.length) this.int64 = grown(this.int64, row);
        if (value != null) this.int64[row] = value as bigint;
        break;
      case 'float64':
        if (row >= this.float64.length) this.float64 = grown(this.float64, row);
        if (value != null) this.float64[row] = value as number;
        break;
    }
    this.rows = row + 1;
  }

  /** Forgets the rows from `length` on (a row that other columns could not take). */
  truncate(length: number): void {
    if (this.layout === 'values') {
      this.values.length = Math.min(this.values.length, length);
      this.rows = this.values.length;
      return;
    }
    for (let row = length; row < this.rows; row += 1) {
      const bit = 1 << (row & 7);
      if (((this.validity[row >> 3] as number) & bit) === 0) this.nulls -= 1;
      else this.validity[row >> 3] = (this.validity[row >> 3] as number) & ~bit;
      if (this.layout === 'int64') this.int64[row] = 0n;
      if (this.layout === 'float64') this.float64[row] = 0;
    }
    if (this.layout === 'utf8' && length < this.rows) this.size = this.offsets[length] as number;
    this.rows = Math.min(this.rows, length);
  }

  /** The column's Arrow data (views of the builder's buffers: append no more after). */
  build(): Data {
    if (this.layout === 'values') return columnData(this.field, this.values, this.field.name);
    const n = this.rows;
    const base = {
      type: arrowType(this.field.type),
      length: n,
      nullCount: this.nulls,
      nullBitmap: this.nulls === 0 ? undefined : this.validity.subarray(0, (n + 7) >> 3),
    };
    switch (this.layout) {
      case 'utf8': {
        const data = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.size);
        return makeData({ ...base, valueOffsets: this.offsets.subarray(0, n + 1), data } as never);
      }
      case 'int64':
        return makeData({ ...base, data: this.int64.subarray(0, n) } as never);
      case 'float64':
        return makeData({ ...base, data: this.float64.subarray(0, n) } as never);
    }
  }
}

/** A record batch of the schema's Arrow form from one builder per column, all of `length` rows. */
export function buildersToArrow(
  schema: Schema,
  builders: readonly ColumnBuilder[],
  length: number,
): RecordBatch {
  return batchOf(
    schema,
    builders.map((b) => b.build()),
    length,
  );
}

/** A copy of `array` (zeros after it) with room for index `at`, at least twice as long. */
function grown<A extends Uint8Array | Int32Array | BigInt64Array | Float64Array>(array: A, at: number): A {
  const next = new (array.constructor as new (n: number) => A)(Math.max(2 * array.length, at + 1, 64));
  next.set(array as never);
  return next;
}
