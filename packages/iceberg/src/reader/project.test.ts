import {
  Schema as ArrowSchema,
  type Data,
  Field,
  LargeBinary,
  LargeList,
  LargeUtf8,
  makeData,
  RecordBatch,
  Struct,
  Table,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { newSchema, type Schema } from '../spec/schema';
import { SchemaUpdate } from '../spec/schema-evolution';
import { optional, required, T } from '../spec/types';
import { FIELD_ID_KEY } from '../writer/arrow-schema';
import { writeParquetFile } from '../writer/parquet-writer';
import { type Row, rowsToArrow } from '../writer/rows-to-arrow';
import { everyTypeRows, everyTypeSchema } from '../writer/test-rows';
import { batchRows } from './arrow-rows';
import { parquetBatches } from './read-data-file';

async function parquetOf(schema: Schema, rows: Row[]): Promise<Uint8Array> {
  return (await writeParquetFile(schema, [rowsToArrow(schema, rows)])).bytes;
}

const readRows = (bytes: Uint8Array, schema: Schema, constants = new Map()) =>
  parquetBatches(bytes, schema, constants).flatMap((b) => batchRows(schema, b));

describe('reading a data file by field id', () => {
  it('gives back every type as written: nulls, nested structs, lists, maps, edge values', async () => {
    const bytes = await parquetOf(everyTypeSchema, everyTypeRows);
    const complete = everyTypeRows.map((r) =>
      Object.fromEntries(everyTypeSchema.fields.map((f) => [f.name, r[f.name] ?? null])),
    );
    expect(readRows(bytes, everyTypeSchema)).toEqual(complete);
  });

  it('reads renamed, reordered and promoted columns (int→long, float→double, wider decimal) and nulls for added ones', async () => {
    const before = newSchema([
      required('id', T.long),
      optional('n', T.int),
      optional('f', T.float),
      optional('name', T.string),
      optional('dec', T.decimal(9, 2)),
    ]);
    const rows = [
      { id: 1n, n: -2147483648, f: 1.5, name: 'a', dec: 12345n },
      { id: 2n, n: null, f: null, name: null, dec: -1n },
    ];
    const bytes = await parquetOf(before, rows);
    const { schema: after } = new SchemaUpdate(before, { lastColumnId: 5 })
      .renameColumn('name', 'title')
      .updateColumnType('n', T.long)
      .updateColumnType('f', T.double)
      .updateColumnType('dec', T.decimal(18, 2))
      .addColumn(null, 'extra', T.struct([optional('x', T.int)]))
      .apply();
    // Columns in another order than the file's: projection goes by id, not position.
    const reordered: Schema = { ...after, fields: [...after.fields].reverse() };
    expect(readRows(bytes, reordered)).toEqual([
      { extra: null, dec: 12345n, title: 'a', f: 1.5, n: -2147483648n, id: 1n },
      { extra: null, dec: -1n, title: null, f: null, n: null, id: 2n },
    ]);
  });

  it('reads 64-bit offset columns (large string, binary and list, as pyarrow writes them)', async () => {
    const schema = newSchema([
      optional('s', T.string),
      optional('b', T.binary),
      optional('tags', T.list(T.string)),
    ]);
    const meta = (id: number) => new Map([[FIELD_ID_KEY, String(id)]]);
    const element = new Field('element', new Utf8(), true, meta(4));
    const large = new ArrowSchema([
      new Field('s', new LargeUtf8(), true, meta(1)),
      new Field('b', new LargeBinary(), true, meta(2)),
      new Field('tags', new LargeList(element), true, meta(3)),
    ]);
    const columns = [
      vectorFromArray(['x', null, 'héllo'], new LargeUtf8()),
      vectorFromArray([Uint8Array.of(1, 2), Uint8Array.of(), null], new LargeBinary()),
      vectorFromArray([['a', null], null, []], new LargeList(element)),
    ].map((v) => v.data[0] as Data);
    const struct = makeData({ type: new Struct(large.fields), length: 3, nullCount: 0, children: columns });
    const table = new Table(large, [new RecordBatch(large, struct)]);
    const bytes = parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(table, 'stream')));
    expect(readRows(bytes, schema)).toEqual([
      { s: 'x', b: Uint8Array.of(1, 2), tags: ['a', null] },
      { s: null, b: Uint8Array.of(), tags: null },
      { s: 'héllo', b: null, tags: [] },
    ]);
  });

  it('fills a column the file lacks with its identity partition value', async () => {
    const written = newSchema([required('id', T.long)]);
    const table = newSchema([required('id', T.long), optional('region', T.string), optional('day', T.int)]);
    const bytes = await parquetOf(written, [{ id: 1n }, { id: 2n }]);
    const region = table.fields[1]?.id as number;
    expect(readRows(bytes, table, new Map([[region, 'eu']]))).toEqual([
      { id: 1n, region: 'eu', day: null },
      { id: 2n, region: 'eu', day: null },
    ]);
  });

  it('refuses a file type that would not hold the column type, and a missing required column, naming the column', async () => {
    const written = newSchema([required('id', T.long), optional('n', T.string)]);
    const bytes = await parquetOf(written, [{ id: 1n, n: 'x' }]);
    const asLong = newSchema([required('id', T.long), optional('n', T.long)]);
    expect(() => parquetBatches(bytes, asLong)).toThrow(
      /column n is Utf8 in the file, which does not read as long without loss/,
    );
    const narrower = newSchema([required('id', T.int), optional('n', T.string)]);
    expect(() => parquetBatches(bytes, narrower)).toThrow(/column id is Int64 in the file/);
    const { schema: withRequired } = new SchemaUpdate(written, { lastColumnId: 2 })
      .addColumn(null, 'must', T.int)
      .apply();
    const required3 = {
      ...withRequired,
      fields: withRequired.fields.map((f) => (f.name === 'must' ? { ...f, required: true } : f)),
    };
    expect(() => parquetBatches(bytes, required3)).toThrow(
      /required column must \(field id 3\) is not in the file/,
    );
  });
});
