import type { Data, RecordBatch } from 'apache-arrow';
import type { Schema } from '../spec/schema';
import type { IcebergType } from '../spec/types';
import { arrowValue } from '../writer/arrow-values';
import type { Row } from '../writer/rows-to-arrow';

/** Reads entry `i` of a column as a plain value. */
type Reader = (i: number) => unknown;

function reader(type: IcebergType, data: Data): Reader {
  switch (type.type) {
    case 'struct': {
      const fields = type.fields.map((f, c) => [f.name, reader(f.type, data.children[c] as Data)] as const);
      return (i) =>
        data.getValid(i) ? Object.fromEntries(fields.map(([name, read]) => [name, read(i)])) : null;
    }
    case 'list': {
      const offsets = data.valueOffsets as Int32Array;
      const element = reader(type.element, data.children[0] as Data);
      return (i) => {
        if (!data.getValid(i)) return null;
        const out: unknown[] = [];
        for (let e = offsets[i] as number; e < (offsets[i + 1] as number); e += 1) out.push(element(e));
        return out;
      };
    }
    case 'map': {
      const offsets = data.valueOffsets as Int32Array;
      const entries = data.children[0] as Data;
      const key = reader(type.key, entries.children[0] as Data);
      const value = reader(type.value, entries.children[1] as Data);
      return (i) => {
        if (!data.getValid(i)) return null;
        const out = new Map<unknown, unknown>();
        for (let e = offsets[i] as number; e < (offsets[i + 1] as number); e += 1) out.set(key(e), value(e));
        return out;
      };
    }
    default:
      return (i) => arrowValue(type, data, i);
  }
}

/**
 * The rows of a batch of the schema's Arrow form, as `rowsToArrow` takes them: spec/values.ts values,
 * objects for structs, arrays for lists, Maps for maps, null for what is missing.
 */
export function batchRows(schema: Schema, batch: RecordBatch): Row[] {
  const columns = schema.fields.map(
    (f, c) => [f.name, reader(f.type, batch.data.children[c] as Data)] as const,
  );
  const rows: Row[] = [];
  for (let i = 0; i < batch.numRows; i += 1) {
    rows.push(Object.fromEntries(columns.map(([name, read]) => [name, read(i)])));
  }
  return rows;
}
