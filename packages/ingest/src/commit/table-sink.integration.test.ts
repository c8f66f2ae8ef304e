import {
  addPartitionSpec,
  type Catalog,
  type FileIO,
  liveDataFiles,
  T,
  type TableIdentifier,
  UpdateSchema,
} from '@floe/iceberg';
import { scanWithPyiceberg } from '@floe/iceberg/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemalessJsonDecoder } from '../decode/schemaless-json';
import { listBatch, type RawBatch } from '../engine/engine';
import { PortableTableWriter } from '../engine/portable-writer';
import { recordReader } from '../engine/read-record';
import { RecordMapper } from '../mapping/map-record';
import { openTableAccess } from '../pipeline/table-access';
import { testAwsCredentials, testSpec, uniqueName } from '../testing/stack';
import { tpKey } from './offsets';
import { FencedError, TableSink } from './table-sink';

// A table sink against the stack's REST catalog and object store, fed schemaless JSON records by the
// portable engine: its schema changes go through the UpdateSchema action.

const namespace = uniqueName('sink');
const spec = testSpec(['orders'], namespace, 'unused');
const read = recordReader(new SchemalessJsonDecoder(), new RecordMapper(spec.mapping, spec.format.key));
const key = tpKey('orders', 0);
let catalog: Catalog;
let io: FileIO;
let counter = 0;

beforeAll(async () => {
  ({ catalog, io } = await openTableAccess(spec.table, {
    resolveSecret: async () => '',
    awsCredentials: testAwsCredentials,
  }));
  await catalog.createNamespace([namespace]);
});

afterAll(async () => {
  for (const id of await catalog.listTables([namespace])) await catalog.dropTable(id, { purge: true });
  await catalog.dropNamespace([namespace]);
});

function sinkFor(id: TableIdentifier): TableSink {
  return new TableSink({
    catalog,
    io,
    id,
    pipelineId: spec.id,
    policy: 'evolve',
    partitionBy: [],
    read,
    writerFor: (schema, tableSpec) =>
      new PortableTableWriter(
        {
          schema,
          spec: tableSpec,
          policy: 'evolve',
          mapping: spec.mapping,
          keyFormat: spec.format.key,
          compression: 'zstd',
          maxValueBytes: 1 << 20,
        },
        read,
      ),
  });
}

/** Records of partition 0 from `offset` on, one per value. */
const batch = (offset: number, values: object[]): RawBatch =>
  listBatch(
    'orders',
    0,
    values.map((v, i) => ({
      offset: BigInt(offset + i),
      timestampMs: 1_700_000_000_000n,
      key: null,
      value: Buffer.from(JSON.stringify(v)),
      headers: [],
    })),
  );

/** A sink on a new table made from `first` and committed. */
async function started(first: RawBatch): Promise<{ id: TableIdentifier; sink: TableSink }> {
  counter += 1;
  const id = { namespace: [namespace], name: `t${counter}` };
  const sink = sinkFor(id);
  await sink.load();
  await sink.create(first);
  await sink.take(key, first);
  await sink.commit();
  return { id, sink };
}

const columns = async (id: TableIdentifier) =>
  (await catalog.loadTable(id)).metadata.schemas
    .at(-1)
    ?.fields.filter((f) => f.name !== '_kafka')
    .map((f) => [f.id, f.name]);

const ids = async (id: TableIdentifier) =>
  (await scanWithPyiceberg([namespace], id.name)).rows.map((r) => String(r.id)).sort();

describe('table sink schema changes', () => {
  it('commits two schema steps grown from one batch as one new schema, then the rows', async () => {
    const { id, sink } = await started(batch(0, [{ id: 1 }]));
    const before = (await catalog.loadTable(id)).metadata;
    await sink.take(
      key,
      batch(1, [
        { id: 2, note: 'a' },
        { id: 3, note: 'b', qty: 1.5 },
      ]),
    );
    await sink.commit();
    const after = (await catalog.loadTable(id)).metadata;
    expect(after.schemas).toHaveLength(before.schemas.length + 1);
    const last = before.lastColumnId;
    expect(await columns(id)).toEqual([
      [1, 'id'],
      [last + 1, 'note'],
      [last + 2, 'qty'],
    ]);
    expect(await ids(id)).toEqual(['i:1', 'i:2', 'i:3']);
  });

  it('is fenced when another writer changed the schema first, and lands once the rows are read again', async () => {
    const { id, sink } = await started(batch(0, [{ id: 1 }]));
    const second = batch(1, [{ id: 2, note: 'a' }]);
    await sink.take(key, second);
    await (await UpdateSchema.start(catalog, id)).addColumn(null, 'other', T.string).commit();
    await expect(sink.commit()).rejects.toThrow(FencedError);
    sink.dropAll();
    expect((await sink.load()).get(key)).toBe(1n);
    await sink.take(key, second);
    await sink.commit();
    const names = (await columns(id))?.map(([, name]) => name);
    expect(names).toEqual(['id', 'other', 'note']);
    expect(await ids(id)).toEqual(['i:1', 'i:2']);
  });
});

describe('table sink partition specs', () => {
  it("follows the table's default spec when another writer changes it: rows held keep theirs", async () => {
    const { id, sink } = await started(batch(0, [{ id: 1 }]));
    await sink.take(key, batch(1, [{ id: 2 }]));
    // A re-partitioning cutover elsewhere: a new spec becomes the default while the sink holds a row.
    const bucketed = await addPartitionSpec(catalog, id, [{ source: 'id', transform: 'bucket[4]' }]);
    await catalog.updateTable(id, [], [{ action: 'set-default-spec', specId: bucketed.specId }]);
    await sink.commit();
    await sink.take(key, batch(2, [{ id: 3 }]));
    await sink.commit();
    const files = await liveDataFiles(io, (await catalog.loadTable(id)).metadata);
    const specs = files.map((f) => [f.file.recordCount, f.specId, f.file.partition.length]);
    expect(specs.sort()).toEqual([
      [1n, 0, 0],
      [1n, 0, 0],
      [1n, bucketed.specId, 1],
    ]);
    expect(await ids(id)).toEqual(['i:1', 'i:2', 'i:3']);
  });
});
