import { randomBytes } from 'node:crypto';
import type { TableIdentifier } from '../catalog/catalog';
import { scanWithPyiceberg } from '../catalog/rest/pyiceberg';
import { RestCatalog } from '../catalog/rest/rest-catalog';
import type { FileIO } from '../io/file-io';
import { S3FileIO } from '../io/s3-file-io';
import { reachableFiles } from '../reader/reachable';
import { newSchema } from '../spec/schema';
import { currentSnapshot } from '../spec/table-metadata';
import { optional, required, T } from '../spec/types';
import { FastAppend } from '../transaction/append';
import { addRows } from '../transaction/test-writes';

// Test fixture of the maintenance tests: tables of (id, name) rows in a namespace of their own, on the
// local stack's REST catalog and object store.

const env = process.env;

export function stackCatalog(): RestCatalog {
  return new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
}

export function stackIO(): S3FileIO {
  return new S3FileIO({
    region: env.FLOE_AWS_REGION as string,
    endpoint: env.FLOE_S3_ENDPOINT,
    credentials: {
      accessKeyId: env.FLOE_AWS_ACCESS_KEY_ID as string,
      secretAccessKey: env.FLOE_AWS_SECRET_ACCESS_KEY as string,
    },
  });
}

export const rowSchema = newSchema([required('id', T.long), optional('name', T.string)]);

export const rowsOf = (ids: number[]) => ids.map((id) => ({ id: BigInt(id), name: `row-${id}` }));

export const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

export async function appendIds(
  catalog: RestCatalog,
  io: FileIO,
  id: TableIdentifier,
  ids: number[],
): Promise<bigint> {
  const append = await FastAppend.start(catalog, io, id);
  await addRows(append, io, rowsOf(ids));
  return (await append.commit()).snapshotId;
}

export function uniqueNamespace(prefix: string): string[] {
  return [`${prefix}_${randomBytes(4).toString('hex')}`];
}

/** Every file under the table location. */
export async function listTableFiles(io: FileIO, location: string): Promise<Set<string>> {
  const files = new Set<string>();
  for await (const f of io.list(`${location}/`)) files.add(f.location);
  return files;
}

/** Every file the current snapshot reads: its manifest list, manifests and data files. */
export async function currentSnapshotFiles(catalog: RestCatalog, io: FileIO, id: TableIdentifier) {
  const { metadata } = await catalog.loadTable(id);
  const snapshot = currentSnapshot(metadata);
  const reached = await reachableFiles(io, snapshot === undefined ? [] : [snapshot], { entries: 'live' });
  return [...reached.manifestLists, ...reached.manifests, ...reached.dataFiles];
}

/** The ids pyiceberg reads from the table, sorted. */
export async function idsReadByPyiceberg(namespace: string[], table: string): Promise<number[]> {
  const scan = await scanWithPyiceberg(namespace, table);
  return scan.rows.map((r) => Number(String(r.id).slice(2))).sort((a, b) => a - b);
}

export async function dropNamespaceWithFiles(catalog: RestCatalog, io: FileIO, namespace: string[]) {
  for (const id of await catalog.listTables(namespace)) {
    const { metadata } = await catalog.loadTable(id);
    await catalog.dropTable(id);
    for (const file of await listTableFiles(io, metadata.location)) await io.delete(file);
  }
  await catalog.dropNamespace(namespace);
}

/**
 * Every file under the table that no snapshot reaches, metadata.json files aside: what a failed or
 * superseded write left behind.
 */
export async function strayFiles(catalog: RestCatalog, io: FileIO, id: TableIdentifier): Promise<string[]> {
  const { metadata } = await catalog.loadTable(id);
  const reached = await reachableFiles(io, metadata.snapshots, { entries: 'all' });
  const known = new Set([
    ...reached.manifestLists,
    ...reached.manifests,
    ...reached.dataFiles,
    ...reached.deleteFiles,
  ]);
  return [...(await listTableFiles(io, metadata.location))].filter(
    (f) => !known.has(f) && !f.endsWith('.metadata.json'),
  );
}
