import { type Data, makeData, RecordBatch, Struct } from 'apache-arrow';
import type { Schema } from '../spec/schema';
import type { FixedType, IcebergType, NestedField } from '../spec/types';
import { arrowSchema, arrowType } from './arrow-schema';

/**
 * A row as plain JavaScript: values as spec/values.ts defines them (bigint for long, decimal unscaled,
 * time and timestamps; Uint8Array for uuid, fixed and binary), an object for a struct, an array for a
 * list, a Map (or [key, value] pairs) for a map. A missing member is null.
 */
export type Row = Record<string, unknown>;

/** Thrown for a value that does not fit its column; names the column path and the row. */
export class ValueError extends Error {
  override name = 'ValueError';
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Builds one Arrow record batch of the schema's Arrow form (field ids included) from plain rows. */
export function rowsToArrow(schema: Schema, rows: readonly Row[]): RecordBatch {
  return columnsToArrow(
    schema,
    schema.fields.map((f) => rows.map((r) => r[f.name])),
    rows.length,
  );
}

/** rowsToArrow for values held by column: `columns[c]` has the value of field c of each of `length` rows. */
export function columnsToArrow(
  schema: Schema,
  columns: readonly (readonly unknown[])[],
  length: number,
): RecordBatch {
  const children = schema.fields.map((f, c) => columnData(f, columns[c] ?? [], f.name));
  return batchOf(schema, children, length);
}

/** A record batch of the schema's Arrow form from the Arrow data of each of its columns. */
export function batchOf(schema: Schema, children: Data[], length: number): RecordBatch {
  const target = arrowSchema(schema);
  const struct = makeData({
    type: new Struct(target.fields),
    length,
    nullCount: 0,
    children,
  });
  return new RecordBatch(target, struct);
}

function columnData(field: NestedField, values: readonly unknown[], path: string): Data {
  for (let i = 0; i < values.length; i += 1) {
    if (field.required && values[i] == null) throw new ValueError(`${path} is required, row ${i} has null`);
  }
  return buildData(field.type, values, path);
}

/** A validity bitmap and null count; no bitmap when every value is present. */
function validity(values: readonly unknown[]): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i += 1) {
    if (values[i] == null) nullCount += 1;
    else bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
  }
  return { nullBitmap: nullCount === 0 ? undefined : bitmap, nullCount };
}

/** Throws the ValueError of a value that does not fit its column. */
export function fail(path: string, row: number, value: unknown, expected: string): never {
  const shown = typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value));
  throw new ValueError(`${path}: row ${row} has ${shown} (${typeof value}), expected ${expected}`);
}

/** The Arrow data of values of a type (no check of required-ness at this level; that is the caller's). */
export function buildData(type: IcebergType, values: readonly unknown[], path: string): Data {
  const n = values.length;
  const { nullBitmap, nullCount } = validity(values);
  const base = { type: arrowType(type), length: n, nullCount, nullBitmap };
  const each = <A extends { [i: number]: unknown }>(out: A, put: (v: unknown, i: number) => void): A => {
    for (let i = 0; i < n; i += 1) if (values[i] != null) put(values[i], i);
    return out;
  };
  switch (type.type) {
    case 'boolean': {
      const bits = new Uint8Array((n + 7) >> 3);
      each(bits, (v, i) => {
        if (typeof v !== 'boolean') fail(path, i, v, 'a boolean');
        if (v) bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7));
      });
      return makeData({ ...base, data: bits } as never);
    }
    case 'int':
    case 'date': {
      const out = new Int32Array(n);
      return makeData({
        ...base,
        data: each(out, (v, i) => {
          if (typeof v !== 'number' || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) {
            fail(path, i, v, 'a 32-bit integer');
          }
          out[i] = v;
        }),
      } as never);
    }
    case 'float':
    case 'double': {
      const out = type.type === 'float' ? new Float32Array(n) : new Float64Array(n);
      return makeData({
        ...base,
        data: each(out, (v, i) => {
          if (typeof v !== 'number') fail(path, i, v, 'a number');
          out[i] = v;
        }),
      } as never);
    }
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      // A BigInt64Array keeps every microsecond (arrow-js's own timestamp setters take milliseconds).
      const out = new BigInt64Array(n);
      return makeData({
        ...base,
        data: each(out, (v, i) => {
          if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) fail(path, i, v, 'a 64-bit bigint');
          out[i] = v;
        }),
      } as never);
    }
    case 'decimal': {
      const limit = 10n ** BigInt(type.precision);
      const out = new BigUint64Array(2 * n);
      each(out, (v, i) => {
        if (typeof v !== 'bigint' || v <= -limit || v >= limit) {
          fail(path, i, v, `an unscaled bigint of at most ${type.precision} digits`);
        }
        // 128-bit little-endian two's complement, as Arrow stores decimal128.
        const wide = BigInt.asUintN(128, v);
        out[2 * i] = BigInt.asUintN(64, wide);
        out[2 * i + 1] = wide >> 64n;
      });
      return makeData({ ...base, data: new Uint32Array(out.buffer) } as never);
    }
    case 'string':
    case 'binary': {
      let chars = 0;
      for (let i = 0; i < n; i += 1) {
        const v = values[i];
        if (v == null) continue;
        if (type.type === 'string' && typeof v !== 'string') fail(path, i, v, 'a string');
        if (type.type === 'binary' && !(v instanceof Uint8Array)) fail(path, i, v, 'a Uint8Array');
        chars += (v as string | Uint8Array).length;
      }
      const offsets = new Int32Array(n + 1);
      const data =
        (type.type === 'string' && chars <= MAX_JOINED_CHARS && asciiColumn(values, offsets)) ||
        bytesColumn(values, chars * (type.type === 'string' ? 3 : 1), offsets);
      return makeData({ ...base, valueOffsets: offsets, data } as never);
    }
    case 'uuid':
    case 'fixed': {
      const width = type.type === 'uuid' ? 16 : (type as FixedType).length;
      const out = new Uint8Array(n * width);
      return makeData({
        ...base,
        data: each(out, (v, i) => {
          if (!(v instanceof Uint8Array) || v.length !== width) fail(path, i, v, `${width} bytes`);
          out.set(v, i * width);
        }),
      } as never);
    }
    case 'struct': {
      each(values, (v, i) => {
        if (typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array || v instanceof Map) {
          fail(path, i, v, 'an object');
        }
      });
      const children = type.fields.map((f) => {
        const childPath = `${path}.${f.name}`;
        const childValues = new Array<unknown>(n);
        for (let i = 0; i < n; i += 1) {
          const v = values[i] as Row | null | undefined;
          const member = v == null ? null : v[f.name];
          if (f.required && v != null && member == null)
            throw new ValueError(`${childPath} is required, row ${i} has null`);
          childValues[i] = member;
        }
        return buildData(f.type, childValues, childPath);
      });
      return makeData({ ...base, children } as never);
    }
    case 'list': {
      const offsets = new Int32Array(n + 1);
      const elements: unknown[] = [];
      for (let i = 0; i < n; i += 1) {
        const v = values[i];
        if (v != null) {
          if (!Array.isArray(v)) fail(path, i, v, 'an array');
          for (const e of v) {
            if (type.elementRequired && e == null)
              throw new ValueError(`${path}.element is required, row ${i} has null`);
            elements.push(e);
          }
        }
        offsets[i + 1] = elements.length;
      }
      return makeData({
        ...base,
        valueOffsets: offsets,
        child: buildData(type.element, elements, `${path}.element`),
      } as never);
    }
    case 'map': {
      const offsets = new Int32Array(n + 1);
      const keys: unknown[] = [];
      const mapValues: unknown[] = [];
      for (let i = 0; i < n; i += 1) {
        const v = values[i];
        if (v != null) {
          if (!(v instanceof Map) && !Array.isArray(v)) fail(path, i, v, 'a Map or [key, value] pairs');
          for (const [key, value] of v as Iterable<[unknown, unknown]>) {
            if (key == null) throw new ValueError(`${path}.key: row ${i} has a null map key`);
            if (type.valueRequired && value == null)
              throw new ValueError(`${path}.value is required, row ${i} has null`);
            keys.push(key);
            mapValues.push(value);
          }
        }
        offsets[i + 1] = keys.length;
      }
      const entriesType = base.type.children[0]?.type as Struct;
      const entries = makeData({
        type: entriesType,
        length: keys.length,
        nullCount: 0,
        children: [
          buildData(type.key, keys, `${path}.key`),
          buildData(type.value, mapValues, `${path}.value`),
        ],
      });
      return makeData({ ...base, valueOffsets: offsets, child: entries } as never);
    }
  }
}

/** Beyond this many characters a column's strings are not joined (V8 strings end near 2^29). */
const MAX_JOINED_CHARS = 1 << 26;

/**
 * A string column's UTF-8 bytes and offsets from one encoding of all its strings joined (join makes
 * null ''), when every character is ASCII (as many bytes as characters); undefined otherwise.
 */
function asciiColumn(values: readonly unknown[], offsets: Int32Array): Uint8Array | undefined {
  const joined = values.join('');
  const bytes = Buffer.from(joined, 'utf8');
  if (bytes.length !== joined.length) return undefined;
  let size = 0;
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i] as string | null | undefined;
    if (v != null) size += v.length;
    offsets[i + 1] = size;
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, size);
}

/** Strings or bytes written one by one into one buffer of `bound` bytes (3 per UTF-16 unit covers any string). */
function bytesColumn(values: readonly unknown[], bound: number, offsets: Int32Array): Uint8Array {
  const buffer = Buffer.allocUnsafe(bound);
  let size = 0;
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i];
    if (v != null) {
      if (typeof v === 'string') size += buffer.write(v, size);
      else {
        buffer.set(v as Uint8Array, size);
        size += (v as Uint8Array).length;
      }
    }
    offsets[i + 1] = size;
  }
  return new Uint8Array(buffer.buffer, buffer.byteOffset, size);
}
