import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../io/s3-file-io';
import { partitionSpecToJson } from '../../spec/partition-spec';
import { schemaFromJson, schemaToJson } from '../../spec/schema';
import { currentSchema, currentSnapshot, defaultSpec, sortOrderToJson } from '../../spec/table-metadata';
import { FastAppend } from '../../transaction/append';
import { addRows } from '../../transaction/test-writes';
import { Transforms } from '../../transform/transform';
import { CommitFailedError, NamespaceNotEmptyError, NoSuchTableError } from '../errors';
import { RestCatalog } from '../rest/rest-catalog';
import { GlueCatalog } from './glue-catalog';

// Against the local stack's moto server, which serves Glue on the S3 endpoint and checks signatures;
// pyiceberg's own Glue catalog judges what Floe committed. moto's UpdateTable ignores VersionId (a
// stale one is accepted), so the optimistic lock itself cannot be shown here.
const env = process.env;
const credentials = {
  accessKeyId: env.FLOE_AWS_ACCESS_KEY_ID as string,
  secretAccessKey: env.FLOE_AWS_SECRET_ACCESS_KEY as string,
};
const io = new S3FileIO({
  region: env.FLOE_AWS_REGION as string,
  endpoint: env.FLOE_S3_ENDPOINT,
  credentials,
});
const suffix = randomBytes(4).toString('hex');
const warehouse = `s3://${env.FLOE_WAREHOUSE_BUCKET}/floe-glue-${suffix}`;
const catalog = new GlueCatalog({
  region: env.FLOE_AWS_REGION as string,
  endpoint: env.FLOE_S3_ENDPOINT,
  credentials,
  warehouse,
  io,
});
const database = `floe_glue_${suffix}`;

// Ids on purpose not those a new table gets (as after schema evolution): the catalog assigns fresh ones.
const schema = schemaFromJson({
  type: 'struct',
  'schema-id': 3,
  'identifier-field-ids': [10],
  fields: [
    { id: 10, name: 'id', required: true, type: 'long' },
    { id: 20, name: 'ts', required: true, type: 'timestamptz' },
    {
      id: 30,
      name: 'tags',
      required: false,
      type: { type: 'list', 'element-id': 31, element: 'string', 'element-required': false },
    },
    { id: 40, name: 'name', required: false, type: 'string' },
  ],
});
const partitionSpec = {
  specId: 7,
  fields: [
    { sourceId: 20, fieldId: 1005, name: 'ts_day', transform: Transforms.day },
    { sourceId: 10, fieldId: 1009, name: 'id_bucket', transform: Transforms.bucket(4) },
  ],
};
const sortOrder = {
  orderId: 5,
  fields: [
    {
      sourceId: 40,
      transform: Transforms.identity,
      direction: 'asc' as const,
      nullOrder: 'nulls-first' as const,
    },
  ],
};

const SCRIPT = `
import json, sys
import pyarrow as pa
from pyiceberg.catalog import load_catalog
args = json.loads(sys.argv[1])
catalog = load_catalog("glue", **args["props"])
table = catalog.load_table((args["database"], args["table"]))
if args.get("append"):
    schema = table.schema().as_arrow()
    rows = args["append"]
    table.append(pa.table({f.name: pa.array([r.get(f.name) for r in rows], type=f.type) for f in schema}, schema=schema))
    table = catalog.load_table((args["database"], args["table"]))
print(json.dumps({
    "ids": sorted(r["id"] for r in table.scan().to_arrow().to_pylist()),
    "snapshots": len(table.snapshots()),
    "metadata_location": table.metadata_location,
    "tables": [list(t) for t in catalog.list_tables(args["database"])],
}))
`;

interface GlueView {
  ids: number[];
  snapshots: number;
  metadata_location: string;
  tables: string[][];
}

/** Reads (and optionally first appends rows of {id, ts (micros), name}) with pyiceberg's Glue catalog. */
async function pyicebergGlue(
  table: string,
  append?: { id: number; ts: number; name: string }[],
): Promise<GlueView> {
  const props = {
    type: 'glue',
    'glue.endpoint': env.FLOE_S3_ENDPOINT,
    'glue.region': env.FLOE_AWS_REGION,
    'glue.access-key-id': credentials.accessKeyId,
    'glue.secret-access-key': credentials.secretAccessKey,
    's3.endpoint': env.FLOE_S3_ENDPOINT,
    's3.region': env.FLOE_AWS_REGION,
    's3.access-key-id': credentials.accessKeyId,
    's3.secret-access-key': credentials.secretAccessKey,
    's3.force-virtual-addressing': 'false',
  };
  const { stdout } = await promisify(execFile)(
    env.FLOE_PYTHON as string,
    ['-c', SCRIPT, JSON.stringify({ props, database, table, append })],
    { timeout: 120_000 },
  );
  return JSON.parse(stdout) as GlueView;
}

async function appendRows(table: string, ids: number[]) {
  const append = await FastAppend.start(catalog, io, { namespace: [database], name: table });
  await addRows(
    append,
    io,
    ids.map((id) => ({
      id: BigInt(id),
      ts: 1_704_067_200_000_000n + BigInt(id),
      tags: ['a'],
      name: `n${id}`,
    })),
  );
  return append.commit();
}

beforeAll(async () => {
  await catalog.createNamespace([database], { comment: 'floe tests' });
});

afterAll(async () => {
  for (const id of await catalog.listTables([database])) await catalog.dropTable(id, { purge: true });
  await catalog.dropNamespace([database]);
  for await (const f of io.list(`${warehouse}/`)) await io.delete(f.location);
  catalog.close();
  io.close();
});

describe('GlueCatalog on moto', () => {
  it('creates a table with fresh ids exactly as the REST catalog server assigns them', async () => {
    const glueTable = await catalog.createTable([database], {
      name: 'fresh_ids',
      schema,
      partitionSpec,
      sortOrder,
    });
    const rest = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
    const restNamespace = [`floe_glue_ref_${suffix}`];
    await rest.createNamespace(restNamespace);
    try {
      const restTable = await rest.createTable(restNamespace, {
        name: 't',
        schema,
        partitionSpec,
        sortOrder,
      });
      const view = (m: typeof glueTable.metadata) => ({
        schema: schemaToJson(currentSchema(m)),
        spec: partitionSpecToJson(defaultSpec(m)),
        order: m.sortOrders.map(sortOrderToJson),
        defaultSortOrderId: m.defaultSortOrderId,
        lastColumnId: m.lastColumnId,
        lastPartitionId: m.lastPartitionId,
        formatVersion: m.formatVersion,
      });
      expect(view(glueTable.metadata)).toEqual(view(restTable.metadata));
      await rest.dropTable({ namespace: restNamespace, name: 't' }, { purge: true });
    } finally {
      await rest.dropNamespace(restNamespace);
    }
    expect(glueTable.metadata.location).toBe(`${warehouse}/${database}.db/fresh_ids`);
    expect(glueTable.metadataLocation).toMatch(
      new RegExp(`^${warehouse}/${database}\\.db/fresh_ids/metadata/00000-[0-9a-f-]{36}\\.metadata\\.json$`),
    );
  });

  it('commits appends that pyiceberg reads through Glue, and commits on top of what pyiceberg appended', async () => {
    const table = 'events';
    const id = { namespace: [database], name: table };
    // Unpartitioned: pyiceberg 0.12 writes partitioned tables only with pyiceberg-core, which the stack lacks.
    const created = await catalog.createTable([database], { name: table, schema });
    const first = await appendRows(table, [1, 2, 3]);
    expect(first.attempts).toBe(1);
    const loaded = await catalog.loadTable(id);
    expect(currentSnapshot(loaded.metadata)?.snapshotId).toBe(first.snapshotId);
    expect(loaded.metadataLocation).toMatch(/\/00001-[0-9a-f-]{36}\.metadata\.json$/);
    expect(loaded.metadata.metadataLog.map((e) => e.metadataFile)).toEqual([created.metadataLocation]);

    const read = await pyicebergGlue(table);
    expect(read).toMatchObject({ ids: [1, 2, 3], snapshots: 1, metadata_location: loaded.metadataLocation });
    expect(read.tables).toContainEqual([database, table]);

    // pyiceberg commits next (its own metadata file and Glue update), then Floe again on top.
    const byPyiceberg = await pyicebergGlue(table, [{ id: 4, ts: 1_704_153_600_000_000, name: 'py' }]);
    expect(byPyiceberg).toMatchObject({ ids: [1, 2, 3, 4], snapshots: 2 });
    await appendRows(table, [5]);
    const final = await pyicebergGlue(table);
    expect(final).toMatchObject({ ids: [1, 2, 3, 4, 5], snapshots: 3 });
    const reloaded = await catalog.loadTable(id);
    expect(reloaded.metadata.metadataLog.map((e) => e.metadataFile)).toEqual([
      created.metadataLocation,
      loaded.metadataLocation,
      byPyiceberg.metadata_location,
    ]);
  });

  it('refuses a commit whose requirement no longer holds, and leaves no metadata file behind', async () => {
    const table = 'stale';
    const id = { namespace: [database], name: table };
    const created = await catalog.createTable([database], { name: table, schema });
    await appendRows(table, [1]);
    const metadataFiles = async () => {
      const files: string[] = [];
      for await (const f of io.list(`${created.metadata.location}/metadata/`))
        if (f.location.endsWith('.metadata.json')) files.push(f.location);
      return files;
    };
    const before = await metadataFiles();
    const error = await catalog
      .updateTable(
        id,
        [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null }],
        [{ action: 'set-properties', updates: { a: 'b' } }],
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitFailedError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^${database}\\.stale: requirement assert-ref-snapshot-id failed: expected main at no snapshot, found \\d+$`,
      ),
    );
    expect(await metadataFiles()).toEqual(before);

    // A commit whose requirements hold goes through, and the Glue parameters point at the new file.
    const updated = await catalog.updateTable(
      id,
      [{ type: 'assert-table-uuid', uuid: created.metadata.tableUuid }],
      [{ action: 'set-properties', updates: { owner: 'floe' } }],
    );
    expect(updated.metadata.properties.owner).toBe('floe');
    expect((await catalog.loadTable(id)).metadataLocation).toBe(updated.metadataLocation);
  });

  it('lists only Iceberg tables, refuses to drop a database with tables, and purges a dropped table', async () => {
    const table = 'dropped';
    const id = { namespace: [database], name: table };
    const created = await catalog.createTable([database], { name: table, schema });
    await appendRows(table, [1, 2]);
    expect(await catalog.tableExists(id)).toBe(true);
    expect(await catalog.listTables([database])).toContainEqual(id);
    expect(await catalog.listNamespaces()).toContainEqual([database]);
    await expect(catalog.dropNamespace([database])).rejects.toThrow(NamespaceNotEmptyError);

    await catalog.dropTable(id, { purge: true });
    expect(await catalog.tableExists(id)).toBe(false);
    await expect(catalog.loadTable(id)).rejects.toThrow(NoSuchTableError);
    const left: string[] = [];
    for await (const f of io.list(`${created.metadata.location}/`)) left.push(f.location);
    expect(left).toEqual([]);
  });
});
