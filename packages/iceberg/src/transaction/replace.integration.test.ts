import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../catalog/catalog';
import { scanWithPyiceberg } from '../catalog/rest/pyiceberg';
import {
  dropNamespaceWithFiles,
  listTableFiles,
  stackCatalog,
  stackIO,
  uniqueNamespace,
} from '../maintenance/test-table';
import { type DataFile, ManifestEntryStatus, readManifest } from '../spec/manifest';
import { readManifestList } from '../spec/manifest-list';
import { PartitionSpecBuilder } from '../spec/partition-spec';
import { newSchema } from '../spec/schema';
import { currentSchema, currentSnapshot, defaultSpec, type Snapshot } from '../spec/table-metadata';
import { optional, required, T } from '../spec/types';
import type { Row } from '../writer/rows-to-arrow';
import { FastAppend } from './append';
import { ReplaceFiles, RewriteConflictError } from './replace';
import { addRows } from './test-writes';

// Against the local stack; pyiceberg judges what the replace commits.
const catalog = stackCatalog();
const io = stackIO();
const namespace = uniqueNamespace('floe_replace');
let counter = 0;

beforeAll(async () => {
  await catalog.createNamespace(namespace);
});

afterAll(async () => {
  await dropNamespaceWithFiles(catalog, io, namespace);
  io.close();
});

const schema = newSchema([required('id', T.long), optional('region', T.string)]);
const OFFSETS = 'floe.offsets.p1';
// Every commit carries the offsets of its parent forward, as ingest and maintenance do.
const carry = (parent: Snapshot | undefined) => ({ [OFFSETS]: parent?.summary[OFFSETS] ?? '{}' });

async function regionTable(): Promise<TableIdentifier> {
  counter += 1;
  const id = { namespace, name: `t${counter}` };
  await catalog.createTable(namespace, {
    name: id.name,
    schema,
    partitionSpec: new PartitionSpecBuilder(schema).identity('region').build(),
  });
  return id;
}

const rows = (region: string, ids: number[]): Row[] => ids.map((i) => ({ id: BigInt(i), region }));

async function append(id: TableIdentifier, data: Row[], summary: Record<string, string> = {}) {
  const a = await FastAppend.start(catalog, io, id, {
    summary: (parent) => ({ ...carry(parent), ...summary }),
  });
  await addRows(a, io, data);
  return a.commit();
}

const pyIds = async (id: TableIdentifier) =>
  (await scanWithPyiceberg(namespace, id.name)).rows
    .map((r) => Number(String(r.id).slice(2)))
    .sort((a, b) => a - b);

/** Three appends: eu and us files in one manifest, then one eu file, then one us file. */
async function threeAppends(id: TableIdentifier) {
  const first = await append(id, [...rows('eu', [1, 2]), ...rows('us', [3])], {
    [OFFSETS]: '{"t":{"0":"3"}}',
  });
  const second = await append(id, rows('eu', [4, 5]));
  const third = await append(id, rows('us', [6]));
  const eu = [...first.dataFiles, ...second.dataFiles].filter((f) => f.partition[0] === 'eu');
  return { first, second, third, eu };
}

/** A replace of the eu files by rows `ids`, and the data files it added (removed if it fails). */
async function replaceEu(id: TableIdentifier, eu: DataFile[], ids: number[]) {
  const replace = await ReplaceFiles.start(catalog, io, id, { summary: carry, minBackoffMs: 10 });
  replace.removeFiles(eu);
  return Object.assign(replace, { newFiles: await addRows(replace, io, rows('eu', ids)) });
}

describe('ReplaceFiles', () => {
  it('replaces files in one "replace" snapshot: removed entries DELETED, the others EXISTING with their numbers', async () => {
    const id = await regionTable();
    const { first, second, third, eu } = await threeAppends(id);
    const replace = await replaceEu(id, eu, [1, 2, 4, 5]);
    const result = await replace.commit();
    expect(result.attempts).toBe(1);
    expect(result.removedFiles.map((f) => f.filePath).sort()).toEqual(eu.map((f) => f.filePath).sort());

    const { metadata } = result.table;
    const snapshot = currentSnapshot(metadata) as Snapshot;
    expect(snapshot.summary).toMatchObject({
      operation: 'replace',
      'added-data-files': '1',
      'deleted-data-files': '2',
      'added-records': '4',
      'deleted-records': '4',
      'total-records': '6',
      'total-data-files': '3',
      'changed-partition-count': '1',
      [OFFSETS]: '{"t":{"0":"3"}}',
    });
    const removedSize = eu.reduce((n, f) => n + f.fileSizeInBytes, 0n);
    expect(snapshot.summary['removed-files-size']).toBe(removedSize.toString());

    // The manifest list: the new files' manifest; the two manifests that held removed files replaced
    // by one of the removed files (DELETED) and one of the file they shared a manifest with (EXISTING,
    // with its numbers); then the third append's, as it was.
    const manifests = readManifestList(await io.read(snapshot.manifestList));
    const parentList = readManifestList(
      await io.read(
        metadata.snapshots.find((s) => s.snapshotId === third.snapshotId)?.manifestList as string,
      ),
    );
    expect(manifests).toHaveLength(4);
    expect(manifests[3]).toEqual(parentList[0]);
    const entries = async (i: number) =>
      readManifest(
        await io.read(manifests[i]?.manifestPath as string),
        currentSchema(metadata),
        defaultSpec(metadata),
      ).entries.map((e) => [
        e.status,
        e.snapshotId,
        e.sequenceNumber,
        e.fileSequenceNumber,
        e.dataFile.partition[0],
      ]);
    expect(await entries(0)).toEqual([[ManifestEntryStatus.ADDED, result.snapshotId, null, null, 'eu']]);
    expect(await entries(1)).toEqual([
      [ManifestEntryStatus.DELETED, result.snapshotId, 2n, 2n, 'eu'],
      [ManifestEntryStatus.DELETED, result.snapshotId, 1n, 1n, 'eu'],
    ]);
    expect(await entries(2)).toEqual([[ManifestEntryStatus.EXISTING, first.snapshotId, 1n, 1n, 'us']]);
    const described = (i: number) => {
      const m = manifests[i];
      return [
        m?.sequenceNumber,
        m?.minSequenceNumber,
        m?.addedSnapshotId,
        m?.existingFilesCount,
        m?.deletedFilesCount,
      ];
    };
    expect([described(0), described(1), described(2)]).toEqual([
      [4n, 4n, result.snapshotId, 0, 0],
      [4n, 4n, result.snapshotId, 0, 2],
      [4n, 1n, result.snapshotId, 1, 0],
    ]);
    expect(second.snapshotId).not.toBe(result.snapshotId);

    // The next commit drops the manifest left with only deleted entries, and keeps the rest.
    const next = await append(id, rows('us', [7]));
    const after = readManifestList(
      await io.read(currentSnapshot(next.table.metadata)?.manifestList as string),
    ).map((m) => m.manifestPath);
    expect(after).toHaveLength(4);
    expect(after).not.toContain(manifests[1]?.manifestPath);
    expect(after.slice(1)).toEqual([manifests[0], manifests[2], manifests[3]].map((m) => m?.manifestPath));

    const scan = await scanWithPyiceberg(namespace, id.name);
    expect(scan.files).toHaveLength(4);
    expect(scan.rows.map((r) => r.id).sort()).toEqual(['i:1', 'i:2', 'i:3', 'i:4', 'i:5', 'i:6', 'i:7']);
  });

  it('keeps an append that landed after the replace started, rebuilding on it', async () => {
    const id = await regionTable();
    const { eu } = await threeAppends(id);
    const replace = await replaceEu(id, eu, [1, 2, 4, 5]);
    await append(id, rows('eu', [7]), { [OFFSETS]: '{"t":{"0":"7"}}' });
    const result = await replace.commit();
    expect(result.attempts).toBe(2);
    expect(await pyIds(id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // The replace carried the offsets of the append it was rebuilt on.
    expect(currentSnapshot(result.table.metadata)?.summary[OFFSETS]).toBe('{"t":{"0":"7"}}');
  });

  it('fails with RewriteConflictError when another commit removed a file first, and removes what it wrote', async () => {
    const id = await regionTable();
    const { eu } = await threeAppends(id);
    const winner = await replaceEu(id, eu, [1, 2, 4, 5]);
    const loser = await replaceEu(id, eu.slice(0, 1), [1, 2]);
    await winner.commit();
    const before = await catalog.loadTable(id);
    const mine = async () =>
      [...(await listTableFiles(io, before.metadata.location))].filter(
        (f) => f.includes(loser.commitId) || loser.newFiles.some((w) => w.filePath === f),
      );
    expect(await mine()).toHaveLength(1); // its data file, until the commit fails
    const error = await loser.commit().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RewriteConflictError);
    expect((error as RewriteConflictError).missingFiles).toEqual([eu[0]?.filePath]);
    expect((error as Error).message).toMatch(/no longer in the table/);
    const after = await catalog.loadTable(id);
    expect(after.metadata.snapshots).toHaveLength(before.metadata.snapshots.length);
    expect(await mine()).toEqual([]);
    expect(await pyIds(id)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
