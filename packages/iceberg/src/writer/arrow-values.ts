import type { Data, RecordBatch } from 'apache-arrow';
import type { Schema } from '../spec/schema';
import type { FixedType, PrimitiveType } from '../spec/types';
import type { IcebergValue } from '../spec/values';

const decoder = new TextDecoder();

/**
 * The entry at `i` of a primitive Arrow column as its buffers hold it: bytes are views into the
 * column (not copies), decimals the 128-bit unscaled value. Valid entries only.
 */
export function arrowRawValue(
  type: PrimitiveType,
  data: Data,
  i: number,
): boolean | number | bigint | Uint8Array {
  switch (type.type) {
    case 'boolean': {
      // Bit-packed: the buffer is not sliced, the offset counts bits.
      const bit = data.offset + i;
      return (((data.values as Uint8Array)[bit >> 3] as number) & (1 << (bit & 7))) !== 0;
    }
    case 'decimal': {
      const words = data.values as Uint32Array;
      let wide = 0n;
      for (let w = 3; w >= 0; w -= 1) wide = (wide << 32n) | BigInt(words[4 * i + w] as number);
      return BigInt.asIntN(128, wide);
    }
    case 'string':
    case 'binary': {
      const offsets = data.valueOffsets as Int32Array;
      return (data.values as Uint8Array).subarray(offsets[i] as number, offsets[i + 1] as number);
    }
    case 'uuid':
    case 'fixed': {
      const width = type.type === 'uuid' ? 16 : (type as FixedType).length;
      return (data.values as Uint8Array).subarray(i * width, (i + 1) * width);
    }
    default:
      return (data.values as ArrayLike<number | bigint>)[i] as number | bigint;
  }
}

/** The value at row `i` of a primitive Arrow column of the schema's Arrow form, as spec/values.ts holds it. */
export function arrowValue(type: PrimitiveType, data: Data, i: number): IcebergValue {
  if (!data.getValid(i)) return null;
  const raw = arrowRawValue(type, data, i);
  if (!(raw instanceof Uint8Array)) return raw;
  return type.type === 'string' ? decoder.decode(raw) : raw.slice();
}

/**
 * Reads a column by field id from a batch: through structs only (where partition sources live); a
 * null struct makes its children null.
 */
export function columnReader(
  schema: Schema,
  batch: RecordBatch,
  fieldId: number,
): (row: number) => IcebergValue {
  const find = (
    fields: Schema['fields'],
    data: Data,
    chain: Data[],
  ): ((row: number) => IcebergValue) | undefined => {
    for (const [c, f] of fields.entries()) {
      const child = data.children[c] as Data;
      if (f.id === fieldId && f.type.type !== 'struct' && f.type.type !== 'list' && f.type.type !== 'map') {
        const type = f.type;
        return (row) => (chain.every((s) => s.getValid(row)) ? arrowValue(type, child, row) : null);
      }
      if (f.type.type === 'struct') {
        const found = find(f.type.fields, child, [...chain, child]);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  const reader = find(schema.fields, batch.data, []);
  if (reader === undefined)
    throw new Error(`field id ${fieldId} is not a primitive column outside lists and maps`);
  return reader;
}
