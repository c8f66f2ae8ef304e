import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../catalog/catalog';
import {
  type DataFile,
  type ManifestEntry,
  ManifestEntryStatus,
  readManifest,
  writeManifest,
} from '../spec/manifest';
import { type ManifestFile, readManifestList, writeManifestList } from '../spec/manifest-list';
import { UNPARTITIONED } from '../spec/partition-spec';
import { currentSchema, currentSnapshot } from '../spec/table-metadata';
import { writeParquetFile } from '../writer/parquet-writer';
import { rowsToArrow } from '../writer/rows-to-arrow';
import { expireSnapshots } from './expire';
import {
  appendIds,
  currentSnapshotFiles,
  dropNamespaceWithFiles,
  idsReadByPyiceberg,
  listTableFiles,
  range,
  rowSchema,
  rowsOf,
  stackCatalog,
  stackIO,
  uniqueNamespace,
} from './test-table';

const catalog = stackCatalog();
const io = stackIO();
const namespace = uniqueNamespace('floe_expire');

beforeAll(async () => {
  await catalog.createNamespace(namespace);
});

afterAll(async () => {
  await dropNamespaceWithFiles(catalog, io, namespace);
  io.close();
});

/**
 * Made by hand as compaction would: the files the given appends added are replaced by one file with
 * the same rows (`ids`), in one new manifest that adds the new file and deletes the old ones; the old
 * manifests leave the new manifest list.
 */
async function replaceFiles(id: TableIdentifier, appends: bigint[], ids: number[]): Promise<string[]> {
  const { metadata } = await catalog.loadTable(id);
  const schema = currentSchema(metadata);
  const parent = currentSnapshot(metadata);
  if (parent === undefined) throw new Error('nothing to replace');
  const snapshotId = randomBytes(8).readBigUInt64BE() >> 1n;
  const sequenceNumber = metadata.lastSequenceNumber + 1n;
  const written = await writeParquetFile(schema, [rowsToArrow(schema, rowsOf(ids))]);
  const added: DataFile = {
    content: 0,
    filePath: `${metadata.location}/data/replaced-${randomUUID()}.parquet`,
    fileFormat: 'PARQUET',
    partition: [],
    recordCount: written.metrics.recordCount,
    fileSizeInBytes: BigInt(written.bytes.byteLength),
  };
  await io.write(added.filePath, written.bytes);

  const entries: ManifestEntry[] = [
    {
      status: ManifestEntryStatus.ADDED,
      snapshotId,
      sequenceNumber: null,
      fileSequenceNumber: null,
      dataFile: added,
    },
  ];
  const kept: ManifestFile[] = [];
  for (const manifest of readManifestList(await io.read(parent.manifestList))) {
    if (!appends.includes(manifest.addedSnapshotId)) {
      kept.push(manifest);
      continue;
    }
    const read = readManifest(await io.read(manifest.manifestPath), schema, UNPARTITIONED);
    for (const entry of read.entries) {
      // A deleted entry keeps the sequence numbers it inherited from its manifest.
      entries.push({
        status: ManifestEntryStatus.DELETED,
        snapshotId,
        sequenceNumber: manifest.sequenceNumber,
        fileSequenceNumber: manifest.sequenceNumber,
        dataFile: entry.dataFile,
      });
    }
  }
  const removed = entries.slice(1);
  const manifestBytes = writeManifest({ schema, spec: UNPARTITIONED, entries });
  const manifestPath = `${metadata.location}/metadata/replace-${randomUUID()}-m0.avro`;
  await io.write(manifestPath, manifestBytes);
  const listLocation = `${metadata.location}/metadata/snap-${snapshotId}-replace.avro`;
  await io.write(
    listLocation,
    writeManifestList({
      snapshotId,
      parentSnapshotId: parent.snapshotId,
      sequenceNumber,
      manifests: [
        {
          manifestPath,
          manifestLength: BigInt(manifestBytes.byteLength),
          partitionSpecId: 0,
          content: 0,
          sequenceNumber,
          minSequenceNumber: removed.reduce(
            (min, e) => ((e.sequenceNumber as bigint) < min ? (e.sequenceNumber as bigint) : min),
            sequenceNumber,
          ),
          addedSnapshotId: snapshotId,
          addedFilesCount: 1,
          existingFilesCount: 0,
          deletedFilesCount: removed.length,
          addedRowsCount: BigInt(ids.length),
          existingRowsCount: 0n,
          deletedRowsCount: BigInt(ids.length),
          partitions: [],
        },
        ...kept,
      ],
    }),
  );
  await catalog.updateTable(
    id,
    [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: parent.snapshotId }],
    [
      {
        action: 'add-snapshot',
        snapshot: {
          snapshotId,
          parentSnapshotId: parent.snapshotId,
          sequenceNumber,
          timestampMs: Date.now(),
          manifestList: listLocation,
          summary: { operation: 'replace' },
          schemaId: schema.schemaId,
        },
      },
      { action: 'set-snapshot-ref', refName: 'main', ref: { snapshotId, type: 'branch' } },
    ],
  );
  return removed.map((e) => e.dataFile.filePath);
}

describe('expireSnapshots', () => {
  it('expires old snapshots but what a tag keeps, then deletes only the files no kept snapshot reaches', async () => {
    const id = { namespace, name: 'replaced' };
    const { metadata: created } = await catalog.createTable(namespace, { name: id.name, schema: rowSchema });
    const s1 = await appendIds(catalog, io, id, range(0, 10));
    const s2 = await appendIds(catalog, io, id, range(10, 20));
    await appendIds(catalog, io, id, range(20, 30));
    const removed = await replaceFiles(id, [s1, s2], range(0, 20));
    expect(removed).toHaveLength(2);
    await catalog.updateTable(
      id,
      [],
      [{ action: 'set-snapshot-ref', refName: 'audit', ref: { snapshotId: s2, type: 'tag' } }],
    );
    const before = await listTableFiles(io, created.location);
    const rowsBefore = await idsReadByPyiceberg(namespace, id.name);
    expect(rowsBefore).toEqual(range(0, 30));

    // The tag keeps s2, whose manifests still reach both replaced files: only manifest lists go.
    const first = await expireSnapshots(catalog, io, id, {
      olderThanMs: Number.MAX_SAFE_INTEGER,
      retainLast: 1,
    });
    expect(first.expiredSnapshotIds).toHaveLength(2);
    expect(first.expiredSnapshotIds).toContain(s1);
    expect(first.deleted).toEqual({
      manifestLists: 2,
      manifests: 0,
      dataFiles: 0,
      deleteFiles: 0,
      statisticsFiles: 0,
    });
    expect(first.attempts).toBe(1);
    expect(first.table.metadata.snapshots.map((s) => s.snapshotId)).toContain(s2);
    for (const file of removed) expect(await io.exists(file)).toBe(true);

    // Without the tag, s2 goes too, and with it the two replaced files and their manifests.
    await catalog.updateTable(id, [], [{ action: 'remove-snapshot-ref', refName: 'audit' }]);
    const second = await expireSnapshots(catalog, io, id, {
      olderThanMs: Number.MAX_SAFE_INTEGER,
      retainLast: 1,
    });
    expect(second.expiredSnapshotIds).toEqual([s2]);
    expect(second.deleted).toEqual({
      manifestLists: 1,
      manifests: 2,
      dataFiles: 2,
      deleteFiles: 0,
      statisticsFiles: 0,
    });
    expect(second.deleteFailures).toEqual([]);
    expect(second.table.metadata.snapshots).toHaveLength(1);

    const after = await listTableFiles(io, created.location);
    for (const file of removed) expect(after.has(file)).toBe(false);
    const needed = await currentSnapshotFiles(catalog, io, id);
    for (const file of needed) expect(after.has(file)).toBe(true);
    // Exactly the counted files went: 3 manifest lists, 2 manifests, 2 data files (each commit adds
    // a metadata file, which are not counted here).
    const gone = [...before].filter((f) => !after.has(f));
    expect(gone).toHaveLength(7);
    expect(gone.filter((f) => f.endsWith('.parquet')).sort()).toEqual([...removed].sort());
    expect(await idsReadByPyiceberg(namespace, id.name)).toEqual(rowsBefore);

    // Nothing is left to expire: no commit is sent.
    const third = await expireSnapshots(catalog, io, id, {
      olderThanMs: Number.MAX_SAFE_INTEGER,
      retainLast: 1,
    });
    expect(third).toMatchObject({ expiredSnapshotIds: [], attempts: 0 });
  });

  it('keeps the newest N of main, and re-plans after a concurrent commit (409)', async () => {
    const id = { namespace, name: 'raced' };
    await catalog.createTable(namespace, { name: id.name, schema: rowSchema });
    for (const start of [0, 10, 20, 30]) await appendIds(catalog, io, id, range(start, start + 10));
    let raced: bigint | undefined;
    // The real catalog, with another writer's append slipped in just before expiry's first commit.
    const racing: Catalog = Object.create(catalog, {
      updateTable: {
        value: async (...args: Parameters<Catalog['updateTable']>) => {
          raced ??= await appendIds(catalog, io, id, range(40, 50));
          return catalog.updateTable(...args);
        },
      },
    });
    const result = await expireSnapshots(racing, io, id, {
      olderThanMs: Number.MAX_SAFE_INTEGER,
      retainLast: 2,
    });
    expect(result.attempts).toBe(2);
    // The plan made after the conflict keeps the raced snapshot and its parent.
    const kept = result.table.metadata.snapshots.map((s) => s.snapshotId);
    expect(kept).toHaveLength(2);
    expect(kept).toContain(raced);
    expect(result.expiredSnapshotIds).toHaveLength(3);
    // Appends only add files: the manifest lists of expired snapshots go, nothing they share.
    expect(result.deleted).toMatchObject({ manifestLists: 3, manifests: 0, dataFiles: 0 });
    expect(await idsReadByPyiceberg(namespace, id.name)).toEqual(range(0, 50));
  });

  it("deletes only inside the table's own folders and the allowed storage, and keeps a snapshot", async () => {
    const id = { namespace, name: 'scoped' };
    const { metadata } = await catalog.createTable(namespace, { name: id.name, schema: rowSchema });
    const elsewhere = `${metadata.location}_elsewhere/data`;
    const inside = await appendIds(catalog, io, id, range(0, 10));
    // A snapshot whose data file lies outside the table (as metadata from another writer may say).
    await catalog.updateTable(
      id,
      [],
      [{ action: 'set-properties', updates: { 'write.data.path': elsewhere } }],
    );
    const outside = await appendIds(catalog, io, id, range(10, 20));
    await catalog.updateTable(id, [], [{ action: 'remove-properties', removals: ['write.data.path'] }]);
    const outsideFiles = [...(await listTableFiles(io, `${metadata.location}_elsewhere`))];
    expect(outsideFiles).toHaveLength(1);
    await replaceFiles(id, [inside, outside], range(0, 20));

    await expect(expireSnapshots(catalog, io, id, { retainLast: 0 })).rejects.toThrow(
      'expiry keeps at least 1 snapshot, asked to keep 0',
    );
    await expect(
      expireSnapshots(catalog, io, id, { allowedRoots: [`${metadata.location}_elsewhere`] }),
    ).rejects.toThrow(`the table location ${metadata.location} is outside`);

    const result = await expireSnapshots(catalog, io, id, {
      olderThanMs: Number.MAX_SAFE_INTEGER,
      retainLast: 1,
      allowedRoots: [metadata.location.slice(0, metadata.location.lastIndexOf('/'))],
    });
    expect(result.expiredSnapshotIds).toHaveLength(2);
    // The replaced file inside the table went; the one outside stayed, and says so.
    expect(result.deleted.dataFiles).toBe(1);
    expect(result.deleteFailures).toEqual([
      { location: outsideFiles[0], error: 'outside the table or the allowed storage: not deleted' },
    ]);
    expect(await io.exists(outsideFiles[0] as string)).toBe(true);
    expect(await idsReadByPyiceberg(namespace, id.name)).toEqual(range(0, 20));
    for (const file of outsideFiles) await io.delete(file);
  });
});
