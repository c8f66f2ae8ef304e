import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newSchema } from '../../spec/schema';
import { optional, required, T } from '../../spec/types';
import { readWithPyiceberg } from './pyiceberg';
import { RestCatalog } from './rest-catalog';

// Against Project Nessie's Iceberg REST API, run by the local stack when asked (`npm run stack -- up
// nessie`, or FLOE_STACK_NESSIE=1): its settings are there only while it runs.
const uri = process.env.FLOE_NESSIE_URI;
const warehouse = process.env.FLOE_NESSIE_WAREHOUSE as string;

describe.skipIf(uri === undefined)('Nessie through its Iceberg REST API', () => {
  const catalog = new RestCatalog({ uri: uri as string, warehouse });
  const namespace = [`floe_nessie_${randomBytes(4).toString('hex')}`];
  const schema = newSchema([required('id', T.long), optional('name', T.string)], {
    identifierFields: ['id'],
  });

  it('creates, commits to and lists tables under its branch prefix; pyiceberg reads them back', async () => {
    await catalog.createNamespace(namespace);
    await catalog.createNamespace([...namespace, 'inner']);
    expect(await catalog.listNamespaces(namespace)).toEqual([[...namespace, 'inner']]);
    const created = await catalog.createTable(namespace, { name: 'events', schema });
    expect(created.metadataLocation).toMatch(/^s3:\/\/warehouse\/nessie\//);
    await catalog.updateTable(
      created.identifier,
      [{ type: 'assert-table-uuid', uuid: created.metadata.tableUuid }],
      [{ action: 'set-properties', updates: { 'floe.on': 'nessie' } }],
    );
    expect(await catalog.listTables(namespace)).toEqual([{ namespace, name: 'events' }]);
    const view = await readWithPyiceberg(namespace, 'events', { uri: uri as string, warehouse });
    expect(view.properties['floe.on']).toBe('nessie');
    expect(view.tables).toEqual([[...namespace, 'events']]);
  });
});
