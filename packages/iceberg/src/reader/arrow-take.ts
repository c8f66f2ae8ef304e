import { type Data, makeData, RecordBatch, type Struct, Type } from 'apache-arrow';

// Rows of Arrow data picked by index into new, dense buffers: how a reader drops deleted rows from a
// batch without making a row object of each kept one (arrow-js has no filter or take kernel).
// Follows arrow-js's own layout of a sliced Data: value and offset buffers start at the slice, the
// validity bitmap (and a boolean's bits) at `offset`; list and map children are not sliced.

/** The rows at `indices` (ascending or not) of a batch, in that order. */
export function takeRows(batch: RecordBatch, indices: Int32Array): RecordBatch {
  const data = takeData(batch.data, indices);
  return new RecordBatch(batch.schema, data as Data<Struct>);
}

/** The batch without the rows at `deleted` positions (counted from `first`, the batch's first row in its file). */
export function withoutPositions(
  batch: RecordBatch,
  first: number,
  deleted: ReadonlySet<number>,
): RecordBatch {
  const kept: number[] = [];
  for (let i = 0; i < batch.numRows; i += 1) if (!deleted.has(first + i)) kept.push(i);
  if (kept.length === batch.numRows) return batch;
  return takeRows(batch, Int32Array.from(kept));
}

function takeValidity(data: Data, indices: Int32Array): { nullCount: number; nullBitmap?: Uint8Array } {
  if (data.nullCount === 0) return { nullCount: 0 };
  const bitmap = new Uint8Array((indices.length + 7) >> 3);
  let nulls = 0;
  indices.forEach((index, i) => {
    if (data.getValid(index)) bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
    else nulls += 1;
  });
  return nulls === 0 ? { nullCount: 0 } : { nullCount: nulls, nullBitmap: bitmap };
}

function takeData(data: Data, indices: Int32Array): Data {
  const { type } = data;
  const common = { type, length: indices.length, ...takeValidity(data, indices) };
  switch (type.typeId) {
    case Type.Struct:
      return makeData({ ...common, children: data.children.map((c) => takeData(c, indices)) } as never);
    case Type.Bool: {
      const bits = new Uint8Array((indices.length + 7) >> 3);
      const values = data.values as Uint8Array;
      indices.forEach((index, i) => {
        const at = data.offset + index;
        if (((values[at >> 3] as number) >> (at & 7)) & 1)
          bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7));
      });
      return makeData({ ...common, data: bits } as never);
    }
    case Type.Utf8:
    case Type.Binary: {
      const { offsets, ranges } = takeOffsets(data.valueOffsets as Int32Array, indices);
      const values = data.values as Uint8Array;
      const bytes = new Uint8Array(offsets[indices.length] as number);
      for (let i = 0, at = 0; i < ranges.length; i += 2) {
        const start = ranges[i] as number;
        const end = ranges[i + 1] as number;
        bytes.set(values.subarray(start, end), at);
        at += end - start;
      }
      return makeData({ ...common, valueOffsets: offsets, data: bytes } as never);
    }
    case Type.List:
    case Type.Map: {
      const { offsets, ranges } = takeOffsets(data.valueOffsets as Int32Array, indices);
      const childIndices = new Int32Array(offsets[indices.length] as number);
      for (let i = 0, at = 0; i < ranges.length; i += 2) {
        for (let c = ranges[i] as number; c < (ranges[i + 1] as number); c += 1) childIndices[at++] = c;
      }
      const child = takeData(data.children[0] as Data, childIndices);
      return makeData({ ...common, valueOffsets: offsets, child } as never);
    }
    case Type.Int:
    case Type.Float:
    case Type.Decimal:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.FixedSizeBinary: {
      const { stride } = data;
      const values = data.values as Uint8Array;
      const out = new (values.constructor as Uint8ArrayConstructor)(indices.length * stride);
      indices.forEach((index, i) => {
        for (let k = 0; k < stride; k += 1) out[i * stride + k] = values[index * stride + k] as number;
      });
      return makeData({ ...common, data: out } as never);
    }
    default:
      throw new Error(`rows of Arrow type ${type} cannot be picked`);
  }
}

/** New offsets from 0 for the picked entries, and each one's [start, end) in the source's values. */
function takeOffsets(source: Int32Array, indices: Int32Array): { offsets: Int32Array; ranges: Int32Array } {
  const offsets = new Int32Array(indices.length + 1);
  const ranges = new Int32Array(indices.length * 2);
  indices.forEach((index, i) => {
    const start = source[index] as number;
    const end = source[index + 1] as number;
    ranges[i * 2] = start;
    ranges[i * 2 + 1] = end;
    offsets[i + 1] = (offsets[i] as number) + end - start;
  });
  return { offsets, ranges };
}
