import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../catalog/catalog';
import { CommitFailedError } from '../catalog/errors';
import { readWithPyiceberg } from '../catalog/rest/pyiceberg';
import {
  dropNamespaceWithFiles,
  rowSchema,
  stackCatalog,
  stackIO,
  uniqueNamespace,
} from '../maintenance/test-table';
import { CatalogProxy } from './catalog-proxy';
import { updateTableProperties } from './properties';

const catalog = stackCatalog();
const io = stackIO();
const namespace = uniqueNamespace('floe_props');
let proxy: CatalogProxy;
let counter = 0;

beforeAll(async () => {
  await catalog.createNamespace(namespace);
  proxy = await CatalogProxy.start(process.env.FLOE_ICEBERG_REST_URI as string);
});

afterAll(async () => {
  await proxy.close();
  await dropNamespaceWithFiles(catalog, io, namespace);
  io.close();
});

async function table(properties: Record<string, string> = {}): Promise<TableIdentifier> {
  counter += 1;
  const id = { namespace, name: `t${counter}` };
  await catalog.createTable(namespace, { name: id.name, schema: rowSchema, properties });
  return id;
}

describe('updateTableProperties', () => {
  it('sets and removes properties in one commit that pyiceberg sees', async () => {
    const id = await table({ 'floe.owner': 'team-a', 'floe.stale': 'x' });
    const before = await catalog.loadTable(id);
    const after = await updateTableProperties(catalog, id, {
      set: { 'floe.owner': 'team-b', 'write.target-file-size-bytes': '1048576' },
      remove: ['floe.stale'],
    });
    expect(after.metadata.metadataLog).toHaveLength(before.metadata.metadataLog.length + 1);
    const { properties } = await readWithPyiceberg(namespace, id.name);
    expect(properties).toMatchObject({ 'floe.owner': 'team-b', 'write.target-file-size-bytes': '1048576' });
    expect(properties['floe.stale']).toBeUndefined();
  });

  it('retries after a 409, and gives up after its attempts', async () => {
    const id = await table();
    proxy.plans.push('conflict');
    await updateTableProperties(proxy.catalog(), id, { set: { a: '1' } }, { minBackoffMs: 10 });
    expect((await catalog.loadTable(id)).metadata.properties.a).toBe('1');
    proxy.plans.push('conflict', 'conflict');
    await expect(
      updateTableProperties(proxy.catalog(), id, { set: { a: '2' } }, { minBackoffMs: 10, maxAttempts: 2 }),
    ).rejects.toThrow(CommitFailedError);
    expect((await catalog.loadTable(id)).metadata.properties.a).toBe('1');
  });

  it('does not change a table created again under the same name', async () => {
    const id = await table();
    // Between loading the table and committing, it is dropped and created anew.
    proxy.beforeNextCommit = async () => {
      await catalog.dropTable(id);
      await catalog.createTable(namespace, { name: id.name, schema: rowSchema });
    };
    await expect(
      updateTableProperties(proxy.catalog(), id, { set: { a: '1' } }, { minBackoffMs: 10 }),
    ).rejects.toThrow(/was replaced by another table/);
    expect((await catalog.loadTable(id)).metadata.properties.a).toBeUndefined();
  });

  it('refuses a property both set and removed, and an empty change', async () => {
    const id = await table();
    await expect(updateTableProperties(catalog, id, { set: { a: '1' }, remove: ['a'] })).rejects.toThrow(
      /both set and removed: a/,
    );
    await expect(updateTableProperties(catalog, id, {})).rejects.toThrow(/no property to set or remove/);
  });
});
