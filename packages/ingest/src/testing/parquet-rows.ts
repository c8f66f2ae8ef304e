import type { WrittenParquet } from '@floe/iceberg';
import { type Data, Type, tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm';

// Parquet files read back exactly, for tests that compare what two writers wrote: each row as a plain
// value, longs and timestamps as bigint, decimals unscaled, bytes as hex, maps as [key, value] lists.

/** A value of an Arrow column, exactly (timestamps and longs as bigint, decimals unscaled, bytes as hex). */
function readValue(data: Data, i: number): unknown {
  if (!data.getValid(i)) return null;
  const type = data.type;
  const at = data.offset + i;
  switch (type.typeId) {
    case Type.Struct: {
      const out: Record<string, unknown> = {};
      type.children.forEach((f: { name: string }, c: number) => {
        out[f.name] = readValue(data.children[c] as Data, i);
      });
      return out;
    }
    case Type.List:
    case Type.Map: {
      const offsets = data.valueOffsets as Int32Array;
      const child = data.children[0] as Data;
      const out: unknown[] = [];
      for (let e = offsets[at] as number; e < (offsets[at + 1] as number); e += 1) {
        const element = readValue(child, e);
        out.push(type.typeId === Type.Map ? Object.values(element as object) : element);
      }
      return out;
    }
    case Type.Timestamp:
    case Type.Time:
    case Type.Int:
    case Type.Date:
    case Type.Float: {
      const v = (data.values as ArrayLike<number | bigint>)[at];
      return typeof v === 'number' && Object.is(v, -0) ? '-0' : v;
    }
    case Type.Decimal: {
      const words = data.values as Uint32Array;
      let v = 0n;
      for (let w = 3; w >= 0; w -= 1) v = (v << 32n) | BigInt(words[at * 4 + w] as number);
      return BigInt.asIntN(128, v);
    }
    case Type.Bool: {
      const bits = data.values as Uint8Array;
      const bit = data.offset + i;
      return (((bits[bit >> 3] as number) >> (bit & 7)) & 1) === 1;
    }
    case Type.FixedSizeBinary: {
      const width = (type as unknown as { byteWidth: number }).byteWidth;
      return `0x${Buffer.from((data.values as Uint8Array).subarray(at * width, (at + 1) * width)).toString('hex')}`;
    }
    case Type.Utf8:
    case Type.Binary: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = (data.values as Uint8Array).subarray(offsets[at] as number, offsets[at + 1] as number);
      return type.typeId === Type.Utf8
        ? Buffer.from(bytes).toString('utf8')
        : `0x${Buffer.from(bytes).toString('hex')}`;
    }
    default:
      throw new Error(`test reader: Arrow type ${type} is not read`);
  }
}

/** Every row of a Parquet file. */
export function readBack(bytes: Uint8Array): unknown[] {
  const table = tableFromIPC(parquet.readParquet(bytes).intoIPCStream());
  const rows: unknown[] = [];
  for (const batch of table.batches) {
    for (let i = 0; i < batch.numRows; i += 1) rows.push(readValue(batch.data, i));
  }
  return rows;
}

const hex = (m: Map<number, Uint8Array>) =>
  Object.fromEntries([...m].map(([id, b]) => [id, Buffer.from(b).toString('hex')]));
const counts = (m: Map<number, bigint> | undefined) =>
  Object.fromEntries([...(m ?? [])].map(([k, v]) => [k, String(v)]));

/** A data file's Iceberg metrics, comparable with toEqual. */
export function metricsOf(file: Pick<WrittenParquet, 'metrics'>) {
  const m = file.metrics;
  return {
    recordCount: String(m.recordCount),
    valueCounts: counts(m.valueCounts),
    nullValueCounts: counts(m.nullValueCounts),
    nanValueCounts: counts(m.nanValueCounts),
    lowerBounds: hex(m.lowerBounds ?? new Map()),
    upperBounds: hex(m.upperBounds ?? new Map()),
    columnSizeIds: [...(m.columnSizes ?? new Map()).keys()].sort((a, b) => a - b),
  };
}
