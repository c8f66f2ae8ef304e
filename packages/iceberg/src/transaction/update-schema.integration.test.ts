import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../catalog/catalog';
import { readWithPyiceberg, scanWithPyiceberg } from '../catalog/rest/pyiceberg';
import { dropNamespaceWithFiles, stackCatalog, stackIO, uniqueNamespace } from '../maintenance/test-table';
import { newSchema } from '../spec/schema';
import { IncompatibleSchemaChangeError } from '../spec/schema-evolution';
import { optional, required, T } from '../spec/types';
import { FastAppend } from './append';
import { CatalogProxy } from './catalog-proxy';
import { addRows } from './test-writes';
import { ConcurrentSchemaChangeError, UpdateSchema } from './update-schema';

const catalog = stackCatalog();
const io = stackIO();
const namespace = uniqueNamespace('floe_schema');
let proxy: CatalogProxy;
let counter = 0;

const schema = newSchema([
  required('id', T.long),
  required('n', T.int),
  optional('name', T.string),
  optional('price', T.decimal(9, 2)),
]);

beforeAll(async () => {
  await catalog.createNamespace(namespace);
  proxy = await CatalogProxy.start(process.env.FLOE_ICEBERG_REST_URI as string);
});

afterAll(async () => {
  await proxy.close();
  await dropNamespaceWithFiles(catalog, io, namespace);
  io.close();
});

async function table(): Promise<TableIdentifier> {
  counter += 1;
  const id = { namespace, name: `t${counter}` };
  await catalog.createTable(namespace, { name: id.name, schema, properties: { 'format-version': '2' } });
  return id;
}

interface PyField {
  id: number;
  name: string;
  type: unknown;
  required: boolean;
}
const pyFields = async (id: TableIdentifier) =>
  ((await readWithPyiceberg(namespace, id.name)).schema as { fields: PyField[] }).fields;

describe('UpdateSchema', () => {
  it('adds, widens, makes optional and renames in one new schema that pyiceberg reads old rows through', async () => {
    const id = await table();
    const append = await FastAppend.start(catalog, io, id);
    await addRows(append, io, [{ id: 1n, n: 7, name: 'a', price: 150n }]);
    await append.commit();
    const update = await UpdateSchema.start(catalog, id);
    const table1 = await update
      .addColumn(null, 'score', T.double)
      .updateColumnType('n', T.long)
      .makeOptional('n')
      .renameColumn('name', 'title')
      .updateColumnType('price', T.decimal(12, 2))
      .commit();
    expect(table1.metadata.schemas).toHaveLength(2);
    expect(table1.metadata.lastColumnId).toBe(5);
    expect(await pyFields(id)).toEqual([
      { id: 1, name: 'id', type: 'long', required: true },
      { id: 2, name: 'n', type: 'long', required: false },
      { id: 3, name: 'title', type: 'string', required: false },
      { id: 4, name: 'price', type: 'decimal(12, 2)', required: false },
      { id: 5, name: 'score', type: 'double', required: false },
    ]);
    const { rows } = await scanWithPyiceberg(namespace, id.name);
    expect(rows).toEqual([{ id: 'i:1', n: 'i:7', title: 'a', price: 'd:150e-2', score: null }]);
  });

  it('refuses a change the spec does not allow, naming the column, and commits nothing', async () => {
    const id = await table();
    const update = await UpdateSchema.start(catalog, id);
    expect(() => update.updateColumnType('id', T.int)).toThrow(
      /"id" from long to int: not an allowed promotion/,
    );
    expect(() => update.updateColumnType('name', T.int)).toThrow(IncompatibleSchemaChangeError);
    expect(() => update.updateColumnType('price', T.decimal(12, 3))).toThrow(/"price"/);
    expect(() => update.addColumn(null, 'n', T.string)).toThrow(/"n": it already exists/);
    expect(() => update.renameColumn('missing', 'x')).toThrow(/no field "missing"/);
    await expect(update.commit()).rejects.toThrow(/no schema change to commit/);
    expect((await catalog.loadTable(id)).metadata.schemas).toHaveLength(1);
  });

  it('makes its changes again on a schema another writer committed first, with ids above theirs', async () => {
    const id = await table();
    const update = await UpdateSchema.start(proxy.catalog(), id, { minBackoffMs: 10 });
    update.addColumn(null, 'mine', T.string);
    proxy.beforeNextCommit = async () => {
      await (await UpdateSchema.start(catalog, id)).addColumn(null, 'theirs', T.long).commit();
    };
    const forwarded = proxy.forwardedCommits;
    const result = await update.commit();
    expect(proxy.forwardedCommits - forwarded).toBe(2);
    expect(result.metadata.lastColumnId).toBe(6);
    expect((await pyFields(id)).slice(4)).toEqual([
      { id: 5, name: 'theirs', type: 'long', required: false },
      { id: 6, name: 'mine', type: 'string', required: false },
    ]);
  });

  it('fails with ConcurrentSchemaChangeError instead when told to', async () => {
    const id = await table();
    const update = await UpdateSchema.start(proxy.catalog(), id, {
      minBackoffMs: 10,
      onConcurrentChange: 'fail',
    });
    update.addColumn(null, 'mine', T.string);
    proxy.beforeNextCommit = async () => {
      await (await UpdateSchema.start(catalog, id)).addColumn(null, 'theirs', T.long).commit();
    };
    await expect(update.commit()).rejects.toThrow(ConcurrentSchemaChangeError);
    expect((await pyFields(id)).map((f) => f.name)).toEqual(['id', 'n', 'name', 'price', 'theirs']);
  });

  it('finds its schema after an answer lost on the way back, and does not add it twice', async () => {
    const id = await table();
    const update = await UpdateSchema.start(proxy.catalog(), id, { minBackoffMs: 10 });
    update.addColumn(null, 'extra', T.int);
    proxy.plans.push('lose-answer');
    const forwarded = proxy.forwardedCommits;
    const result = await update.commit();
    expect(proxy.forwardedCommits - forwarded).toBe(1);
    expect(result.metadata.schemas).toHaveLength(2);
    expect((await pyFields(id)).at(-1)).toEqual({ id: 5, name: 'extra', type: 'int', required: false });
  });
});
