import { type Data, makeData, type RecordBatch } from 'apache-arrow';
import type { Schema } from '../spec/schema';
import type { IcebergType, NestedField } from '../spec/types';
import { arrowType } from './arrow-schema';
import { batchOf, buildData, fail, ValueError } from './rows-to-arrow';

/** Strings of a column encoded to UTF-8 together: held briefly, they die young, before the GC copies them. */
const PENDING_STRINGS = 256;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** How a column's values are held: in the Arrow buffers of its type, or as values until build. */
type Layout = 'utf8' | 'int64' | 'float64' | 'struct' | 'list' | 'values';

const LAYOUTS: Partial<Record<string, Layout>> = {
  string: 'utf8',
  long: 'int64',
  time: 'int64',
  timestamp: 'int64',
  timestamptz: 'int64',
  timestamp_ns: 'int64',
  timestamptz_ns: 'int64',
  double: 'float64',
  struct: 'struct',
  list: 'list',
};

/**
 * A string value given as the UTF-8 bytes it lies in ([start, end) of `bytes`, which must be valid
 * UTF-8): a string column copies them as they are, with no JS string made and encoded again. It is
 * read at once by `append`, so one instance can be reused for the next value.
 */
export class Utf8Bytes {
  bytes: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;

  /** The string these bytes spell. */
  text(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.start, this.end - this.start).toString(
      'utf8',
    );
  }
}

/** What a builder holds: a column, a struct's field or a list's element. */
interface Slot {
  type: IcebergType;
  required: boolean;
  /** For messages: "a", "st.b", "tags.element". */
  path: string;
}

/**
 * One top-level column's values, appended row by row. Strings, 64-bit integers and doubles go
 * straight into the buffers Arrow takes (UTF-8 bytes and offsets, a BigInt64Array, a Float64Array),
 * structs and lists into builders of their fields and elements, so a held row leaves no string,
 * bigint, number, object or array for the garbage collector to copy; other types are held as values.
 * build() gives the Arrow data `columnsToArrow` gives for the values, and a value that does not fit
 * fails as there (ValueError), only when appended.
 */
export class ColumnBuilder {
  private readonly layout: Layout;
  private readonly slot: Slot;
  /** A struct's field builders, or a list's element builder. */
  private readonly children: ColumnBuilder[] = [];
  private readonly names: string[] = [];
  private rows = 0;
  private nulls = 0;
  // Empty until the first row (a wide table held for many partitions has many builders).
  private validity = new Uint8Array(0);
  private offsets = new Int32Array(0);
  private bytes = Buffer.allocUnsafe(0);
  private size = 0;
  private int64 = new BigInt64Array(0);
  private float64 = new Float64Array(0);
  private readonly values: unknown[] = [];
  /** The last rows' strings (null as ''), until PENDING_STRINGS of them are encoded at once. */
  private readonly pending: string[] = [];

  /** `asValues`: hold every value as it is (e.g. when rows must be read back to partition them). */
  constructor(field: NestedField | Slot, asValues = false) {
    this.slot = 'path' in field ? field : { type: field.type, required: field.required, path: field.name };
    const { type, path } = this.slot;
    this.layout = asValues ? 'values' : (LAYOUTS[type.type] ?? 'values');
    if (this.layout === 'struct' && type.type === 'struct') {
      for (const f of type.fields) {
        this.names.push(f.name);
        this.children.push(
          new ColumnBuilder({ type: f.type, required: f.required, path: `${path}.${f.name}` }),
        );
      }
    }
    if (this.layout === 'list' && type.type === 'list') {
      const element = { type: type.element, required: type.elementRequired, path: `${path}.element` };
      this.children.push(new ColumnBuilder(element));
    }
  }

  get length(): number {
    return this.rows;
  }

  /** The values held as values; only for a builder made `asValues`. */
  heldValues(): readonly unknown[] {
    if (this.layout !== 'values') throw new Error(`${this.slot.path} holds its values in Arrow buffers`);
    return this.values;
  }

  /** Appends a row's value; a value that does not fit throws and leaves the column as it was. */
  append(value: unknown): void {
    this.put(value, true);
  }

  /** `checked`: whether a null must be allowed here (not for a struct field under a null struct). */
  private put(value: unknown, checked: boolean): void {
    if (value instanceof Utf8Bytes) {
      if (this.layout === 'utf8') {
        this.putUtf8(value);
        return;
      }
      value = value.text();
    }
    const row = this.rows;
    const { path } = this.slot;
    if (value == null) {
      if (checked && this.slot.required) throw new ValueError(`${path} is required, row ${row} has null`);
    } else if (this.layout === 'utf8' && typeof value !== 'string') {
      fail(path, row, value, 'a string');
    } else if (
      this.layout === 'int64' &&
      (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX)
    ) {
      fail(path, row, value, 'a 64-bit bigint');
    } else if (this.layout === 'float64' && typeof value !== 'number') {
      fail(path, row, value, 'a number');
    } else if (
      this.layout === 'struct' &&
      (typeof value !== 'object' ||
        Array.isArray(value) ||
        value instanceof Uint8Array ||
        value instanceof Map)
    ) {
      fail(path, row, value, 'an object');
    } else if (this.layout === 'list' && !Array.isArray(value)) {
      fail(path, row, value, 'an array');
    }
    if (this.layout === 'values') {
      this.values.push(value);
      this.rows = row + 1;
      return;
    }
    if (this.layout === 'struct') this.putMembers(value as Record<string, unknown> | null | undefined);
    if (this.layout === 'list' && value != null) this.putElements(value as unknown[], row);
    if (row >> 3 >= this.validity.length) this.validity = grown(this.validity, row >> 3);
    if (value == null) this.nulls += 1;
    else this.validity[row >> 3] = (this.validity[row >> 3] as number) | (1 << (row & 7));
    switch (this.layout) {
      case 'utf8':
        this.pending.push(value == null ? '' : (value as string));
        break;
      case 'list':
        this.setOffset(row + 1, (this.children[0] as ColumnBuilder).rows);
        break;
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
    if (this.pending.length === PENDING_STRINGS) this.writePending();
  }

  /** A string's UTF-8 bytes copied in after the strings pending before it. */
  private putUtf8(value: Utf8Bytes): void {
    this.writePending();
    const row = this.rows;
    const length = value.end - value.start;
    this.reserve(length);
    if (row >> 3 >= this.validity.length) this.validity = grown(this.validity, row >> 3);
    this.validity[row >> 3] = (this.validity[row >> 3] as number) | (1 << (row & 7));
    const { bytes, start } = value;
    const target = this.bytes;
    const at = this.size;
    // Short strings byte by byte: no view object per value.
    if (length < 64) for (let k = 0; k < length; k += 1) target[at + k] = bytes[start + k] as number;
    else target.set(bytes.subarray(start, value.end), at);
    this.size = at + length;
    this.setOffset(row + 1, this.size);
    this.rows = row + 1;
  }

  /** Room for `more` bytes after the ones held. */
  private reserve(more: number): void {
    if (this.size + more <= this.bytes.length) return;
    const bytes = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.size + more, 4096));
    this.bytes.copy(bytes, 0, 0, this.size);
    this.bytes = bytes;
  }

  /** A struct's members into its field builders (nulls under a null struct), all or none. */
  private putMembers(value: Record<string, unknown> | null | undefined): void {
    const { children, names } = this;
    let c = 0;
    try {
      for (; c < children.length; c += 1) {
        const child = children[c] as ColumnBuilder;
        child.put(value == null ? null : value[names[c] as string], value != null);
      }
    } catch (error) {
      for (let k = 0; k < c; k += 1) (children[k] as ColumnBuilder).truncate(this.rows);
      throw error;
    }
  }

  /** A list's elements into its element builder, all or none. */
  private putElements(elements: readonly unknown[], row: number): void {
    const child = this.children[0] as ColumnBuilder;
    const start = child.rows;
    try {
      for (const element of elements) {
        if (element == null && child.slot.required) {
          throw new ValueError(`${child.slot.path} is required, row ${row} has null`);
        }
        child.put(element, false);
      }
    } catch (error) {
      child.truncate(start);
      throw error;
    }
  }

  /**
   * The strings not yet in the byte buffer, written in one piece (one encoding call, not one per
   * row) when all are ASCII, one by one otherwise; their offsets follow.
   */
  private writePending(): void {
    const { pending } = this;
    if (pending.length === 0) return;
    const first = this.rows - pending.length;
    const joined = pending.join('');
    // 3 bytes per UTF-16 unit covers any string.
    this.reserve(3 * joined.length);
    const ascii = this.bytes.write(joined, this.size) === joined.length;
    let size = this.size;
    for (let k = 0; k < pending.length; k += 1) {
      const text = pending[k] as string;
      // Not all ASCII: each is written again on its own (joined, a lone surrogate could pair with the next string).
      size += ascii ? text.length : this.bytes.write(text, size);
      this.setOffset(first + k + 1, size);
    }
    this.size = size;
    pending.length = 0;
  }

  private setOffset(at: number, offset: number): void {
    if (at >= this.offsets.length) this.offsets = grown(this.offsets, at);
    this.offsets[at] = offset;
  }

  /** Forgets the rows from `length` on (a row that other columns could not take). */
  truncate(length: number): void {
    if (length >= this.rows) return;
    this.writePending();
    if (this.layout === 'values') {
      this.values.length = length;
      this.rows = length;
      return;
    }
    for (let row = length; row < this.rows; row += 1) {
      const bit = 1 << (row & 7);
      if (((this.validity[row >> 3] as number) & bit) === 0) this.nulls -= 1;
      else this.validity[row >> 3] = (this.validity[row >> 3] as number) & ~bit;
      if (this.layout === 'int64') this.int64[row] = 0n;
      if (this.layout === 'float64') this.float64[row] = 0;
    }
    if (this.layout === 'utf8') this.size = this.offsets[length] as number;
    if (this.layout === 'struct') for (const child of this.children) child.truncate(length);
    if (this.layout === 'list') (this.children[0] as ColumnBuilder).truncate(this.offsets[length] as number);
    this.rows = length;
  }

  /** The column's Arrow data (views of the builder's buffers: append no more after). */
  build(): Data {
    const { type, path } = this.slot;
    if (this.layout === 'values') return buildData(type, this.values, path);
    this.writePending();
    this.setOffset(0, 0);
    const n = this.rows;
    const base = {
      type: arrowType(type),
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
      case 'struct':
        return makeData({ ...base, children: this.children.map((c) => c.build()) } as never);
      case 'list': {
        const child = (this.children[0] as ColumnBuilder).build();
        return makeData({ ...base, valueOffsets: this.offsets.subarray(0, n + 1), child } as never);
      }
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
