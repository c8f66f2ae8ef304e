import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../io/s3-file-io';
import { PartitionSpecBuilder, partitionSpecFromJson } from '../../spec/partition-spec';
import { findField, newSchema, schemaFromJson } from '../../spec/schema';
import { SchemaUpdate } from '../../spec/schema-evolution';
import { currentSchema, currentSnapshot, defaultSpec } from '../../spec/table-metadata';
import { optional, required, T } from '../../spec/types';
import type { TableIdentifier } from '../catalog';
import {
  AlreadyExistsError,
  CommitFailedError,
  CommitStateUnknownError,
  NoSuchNamespaceError,
  NoSuchTableError,
} from '../errors';
import { readWithPyiceberg } from './pyiceberg';
import { RestCatalog } from './rest-catalog';

// Against the local stack's Apache Iceberg REST catalog; every name carries this run's suffix.
const uri = process.env.FLOE_ICEBERG_REST_URI as string;
const suffix = randomBytes(4).toString('hex');
const namespace = [`floe_it_${suffix}`];
const catalog = new RestCatalog({ uri });

const schema = newSchema(
  [
    required('id', T.long),
    required('event_ts', T.timestamptz),
    optional('name', T.string, 'who'),
    optional('amount', T.decimal(18, 4)),
    optional('small', T.int),
    optional('ratio', T.float),
    optional('score', T.double),
    optional('active', T.boolean),
    optional('born', T.date),
    optional('at', T.time),
    optional('local_ts', T.timestamp),
    optional('uid', T.uuid),
    optional('raw', T.binary),
    optional('hash', T.fixed(16)),
    optional('tags', T.list(T.string, true)),
    optional('attrs', T.map(T.string, T.long)),
    optional('geo', T.struct([required('lat', T.double), required('lon', T.double)])),
  ],
  { identifierFields: ['id'] },
);
const spec = new PartitionSpecBuilder(schema).day('event_ts').bucket('id', 16).truncate('name', 4).build();

let counter = 0;
async function createTable(): Promise<TableIdentifier> {
  counter += 1;
  const name = `events_${counter}`;
  await catalog.createTable(namespace, { name, schema, partitionSpec: spec });
  return { namespace, name };
}

beforeAll(async () => {
  await catalog.createNamespace(namespace, { owner: 'floe-tests' });
});

// The catalog's purge reads every manifest list, and one test commits a placeholder: so drop the
// tables and delete their files here.
afterAll(async () => {
  const io = new S3FileIO({
    region: process.env.FLOE_AWS_REGION as string,
    endpoint: process.env.FLOE_S3_ENDPOINT,
    credentials: {
      accessKeyId: process.env.FLOE_AWS_ACCESS_KEY_ID as string,
      secretAccessKey: process.env.FLOE_AWS_SECRET_ACCESS_KEY as string,
    },
  });
  for (const id of await catalog.listTables(namespace)) {
    const { metadata } = await catalog.loadTable(id);
    await catalog.dropTable(id);
    for await (const file of io.list(`${metadata.location}/`)) await io.delete(file.location);
  }
  io.close();
  await catalog.dropNamespace(namespace);
});

describe('RestCatalog against the Apache Iceberg REST catalog', () => {
  it('creates and lists namespaces, with typed errors for duplicates and missing ones', async () => {
    const child = [...namespace, 'child'];
    await catalog.createNamespace(child);
    expect(await catalog.listNamespaces()).toContainEqual(namespace);
    expect(await catalog.listNamespaces(namespace)).toEqual([child]);
    await expect(catalog.createNamespace(namespace)).rejects.toThrow(AlreadyExistsError);
    await catalog.dropNamespace(child);
    const missing = [`floe_missing_${suffix}`];
    const error = await catalog.listTables(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSuchNamespaceError);
    expect((error as Error).message).toMatch(
      new RegExp(`list tables of floe_missing_${suffix}: .*does not exist`, 'i'),
    );
  });

  it('creates a table of every type with day/bucket/truncate partitions that pyiceberg reads the same', async () => {
    const id = await createTable();
    const loaded = await catalog.loadTable(id);
    expect(currentSchema(loaded.metadata)).toEqual(schema);
    expect(defaultSpec(loaded.metadata)).toEqual(spec);
    expect(loaded.metadata.formatVersion).toBe(2);
    expect(loaded.metadataLocation).toMatch(/^s3:\/\/warehouse\/.*\.metadata\.json$/);
    expect(await catalog.tableExists(id)).toBe(true);

    const py = await readWithPyiceberg(namespace, id.name);
    expect(py.tables).toContainEqual([...namespace, id.name]);
    expect(schemaFromJson(py.schema)).toEqual(schema);
    expect(partitionSpecFromJson(py.spec)).toEqual(spec);
    expect(py.format_version).toBe(2);
  });

  it('commits with requirements; a stale requirement is a 409 CommitFailedError with the server message', async () => {
    const id = await createTable();
    const { metadata } = await catalog.loadTable(id);
    const evolved = new SchemaUpdate(currentSchema(metadata), { lastColumnId: metadata.lastColumnId })
      .addColumn('geo', 'alt', T.float)
      .updateColumnType('small', T.long)
      .apply();
    const committed = await catalog.updateTable(
      id,
      [
        { type: 'assert-current-schema-id', currentSchemaId: metadata.currentSchemaId },
        { type: 'assert-last-assigned-field-id', lastAssignedFieldId: metadata.lastColumnId },
      ],
      [
        { action: 'add-schema', schema: evolved.schema, lastColumnId: evolved.lastColumnId },
        { action: 'set-current-schema', schemaId: -1 },
        { action: 'set-properties', updates: { 'floe.pipeline': 'p1' } },
      ],
    );
    const now = currentSchema(committed.metadata);
    expect(now.schemaId).toBe(1);
    expect(findField(now, 'geo.alt')?.id).toBe(metadata.lastColumnId + 1);
    expect(findField(now, 'small')?.type).toEqual(T.long);
    expect(committed.metadata.properties['floe.pipeline']).toBe('p1');

    const py = await readWithPyiceberg(namespace, id.name);
    expect(schemaFromJson(py.schema)).toEqual(now);
    expect(py.properties['floe.pipeline']).toBe('p1');

    const stale = await catalog
      .updateTable(
        id,
        [{ type: 'assert-current-schema-id', currentSchemaId: 0 }],
        [{ action: 'set-properties', updates: { x: 'y' } }],
      )
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(CommitFailedError);
    expect(stale).toMatchObject({ status: 409 });
    expect((stale as Error).message).toMatch(/commit to table .*events_\d+: .*current schema/i);
  });

  it('keeps a snapshot id beyond 2^53 exact through the catalog and pyiceberg', async () => {
    const id = await createTable();
    const { metadata } = await catalog.loadTable(id);
    const snapshotId = (1n << 62n) + 123_456_789n; // 4611686018551387693, not a JS-safe number
    await catalog.updateTable(
      id,
      [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null }],
      [
        {
          action: 'add-snapshot',
          snapshot: {
            snapshotId,
            sequenceNumber: metadata.lastSequenceNumber + 1n,
            timestampMs: Date.now(),
            // Not read by a metadata load; manifests come with the writer.
            manifestList: `${metadata.location}/metadata/snap-${snapshotId}-placeholder.avro`,
            summary: { operation: 'append', 'floe.offsets': '{"t-0":42}' },
            schemaId: metadata.currentSchemaId,
          },
        },
        { action: 'set-snapshot-ref', refName: 'main', ref: { snapshotId, type: 'branch' } },
      ],
    );
    const reloaded = await catalog.loadTable(id);
    expect(reloaded.metadata.currentSnapshotId).toBe(snapshotId);
    expect(currentSnapshot(reloaded.metadata)?.summary['floe.offsets']).toBe('{"t-0":42}');
    expect(reloaded.metadata.refs.main).toEqual({ snapshotId, type: 'branch' });
    expect((await readWithPyiceberg(namespace, id.name)).snapshot_id).toBe(snapshotId.toString());

    const conflict = await catalog
      .updateTable(id, [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: snapshotId - 1n }], [])
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(CommitFailedError);
    expect((conflict as Error).message).toContain(String(snapshotId));
  });

  it('reports missing tables as NoSuchTableError and refuses a duplicate create', async () => {
    const missing = { namespace, name: 'nope' };
    expect(await catalog.tableExists(missing)).toBe(false);
    await expect(catalog.loadTable(missing)).rejects.toThrow(NoSuchTableError);
    await expect(catalog.loadTable(missing)).rejects.toThrow(
      /load table floe_it_\w+\.nope: .*(does not exist|not found)/i,
    );
    const id = await createTable();
    await expect(catalog.createTable(namespace, { name: id.name, schema })).rejects.toThrow(
      AlreadyExistsError,
    );
    await catalog.dropTable(id, { purge: true });
    expect(await catalog.tableExists(id)).toBe(false);
  });
});

describe('RestCatalog commit outcome unknown', () => {
  // A proxy in front of the real catalog that lets the commit through and then loses the answer,
  // as a gateway does when the catalog is slow: the commit lands, the client hears a 5xx or nothing.
  let proxy: Server;
  let mode: 'bad-gateway' | 'hang' = 'bad-gateway';
  const seenHeaders: Record<string, string | string[] | undefined>[] = [];
  beforeAll(async () => {
    proxy = createServer(async (req, res) => {
      seenHeaders.push(req.headers);
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const upstream = await fetch(`${uri}${req.url}`, {
        method: req.method,
        headers: { 'content-type': 'application/json' },
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      const text = await upstream.text();
      const isCommit = req.method === 'POST' && /\/tables\/[^/]+$/.test(req.url ?? '');
      if (isCommit && mode === 'hang') return; // never answers
      if (isCommit) {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html>502 Bad Gateway</html>');
        return;
      }
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('turns a 5xx after the commit landed, and a timeout, into CommitStateUnknownError', async () => {
    const id = await createTable();
    const viaProxy = new RestCatalog({
      uri: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      timeoutMs: 1000,
      token: async () => 'rotating-token',
      accessDelegation: ['vended-credentials'],
    });
    const bad = await viaProxy
      .updateTable(id, [], [{ action: 'set-properties', updates: { attempt: '1' } }])
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(CommitStateUnknownError);
    expect(bad).toMatchObject({ status: 502 });
    // It did land: a writer must check before writing again.
    expect((await catalog.loadTable(id)).metadata.properties.attempt).toBe('1');

    mode = 'hang';
    const hung = await viaProxy
      .updateTable(id, [], [{ action: 'set-properties', updates: { attempt: '2' } }])
      .catch((e: unknown) => e);
    expect(hung).toBeInstanceOf(CommitStateUnknownError);
    expect((hung as Error).message).toMatch(/outcome unknown.*timed out/);
    // Every call carried the bearer token and the access-delegation header.
    expect(seenHeaders.length).toBeGreaterThanOrEqual(3);
    for (const headers of seenHeaders) {
      expect(headers).toMatchObject({
        authorization: 'Bearer rotating-token',
        'x-iceberg-access-delegation': 'vended-credentials',
      });
    }
  });
});
