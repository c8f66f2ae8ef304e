import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../catalog/catalog';
import { scanWithPyiceberg } from '../catalog/rest/pyiceberg';
import { readPositionDeletes } from '../reader/delete-files';
import { liveFiles } from '../reader/live-files';
import { readDataFile } from '../reader/read-data-file';
import type { DataFile } from '../spec/manifest';
import { PartitionSpecBuilder } from '../spec/partition-spec';
import { newSchema } from '../spec/schema';
import { currentSnapshot } from '../spec/table-metadata';
import { optional, required, T } from '../spec/types';
import { FastAppend } from '../transaction/append';
import { CatalogProxy } from '../transaction/catalog-proxy';
import { RewriteConflictError } from '../transaction/replace';
import { RowDelta } from '../transaction/row-delta';
import { addRows, deletePositions } from '../transaction/test-writes';
import type { PositionDeletes } from '../writer/position-delete-file';
import type { Row } from '../writer/rows-to-arrow';
import { TableWriter } from '../writer/table-writer';
import { compactTable, runCompaction } from './compact';
import { planCompaction } from './compaction-plan';
import {
  dropNamespaceWithFiles,
  range,
  stackCatalog,
  stackIO,
  strayFiles,
  uniqueNamespace,
} from './test-table';

// Compaction of tables with position deletes (an upsert pipeline's), against the local stack's REST
// catalog and object store; pyiceberg reads the rows through the deletes before and after.
const catalog = stackCatalog();
const io = stackIO();
const namespace = uniqueNamespace('floe_compact_deletes');
let counter = 0;
let proxy: CatalogProxy;

beforeAll(async () => {
  await catalog.createNamespace(namespace);
  proxy = await CatalogProxy.start(process.env.FLOE_ICEBERG_REST_URI as string);
});

afterAll(async () => {
  await proxy.close();
  await dropNamespaceWithFiles(catalog, io, namespace);
  io.close();
});

const schema = newSchema([required('id', T.long), optional('region', T.string), optional('v', T.string)]);
const rows = (ids: number[], v = 'old', region = 'eu'): Row[] =>
  ids.map((i) => ({ id: BigInt(i), region, v }));

async function table(partitioned = false, formatVersion = 2): Promise<TableIdentifier> {
  counter += 1;
  const id = { namespace, name: `t${counter}` };
  const partitionSpec = partitioned ? new PartitionSpecBuilder(schema).identity('region').build() : undefined;
  await catalog.createTable(namespace, {
    name: id.name,
    schema,
    ...(partitionSpec && { partitionSpec }),
    properties: { 'format-version': String(formatVersion) },
  });
  return id;
}

/** Appends rows as one data file (per partition): a row's position in it is its place in `data`. */
async function append(id: TableIdentifier, data: Row[]): Promise<DataFile> {
  const a = await FastAppend.start(catalog, io, id);
  await addRows(a, io, data);
  return (await a.commit()).dataFiles[0] as DataFile;
}

/** One commit of an upsert: rows deleted by position, new rows added. */
async function delta(
  id: TableIdentifier,
  deletes: [DataFile, number[]][],
  added: Row[] = [],
  on = catalog,
): Promise<DataFile | undefined> {
  const d = await RowDelta.start(on, io, id);
  const positions: PositionDeletes[] = deletes.map(([dataFile, p]) => ({
    dataFile,
    positions: p.map(BigInt),
  }));
  await deletePositions(d, io, positions, undefined);
  if (added.length > 0) await addRows(d, io, added);
  return (await d.commit()).dataFiles[0];
}

const pyRows = async (id: TableIdentifier) =>
  (await scanWithPyiceberg(namespace, id.name)).rows.map((r) => `${String(r.id).slice(2)}:${r.v}`).sort();

const expectedRows = (state: Map<number, string>) => [...state].map(([k, v]) => `${k}:${v}`).sort();

async function live(id: TableIdentifier) {
  const files = await liveFiles(io, (await catalog.loadTable(id)).metadata);
  return {
    data: files.filter((f) => f.file.content === 0),
    deletes: files.filter((f) => f.file.content === 1),
  };
}

async function summary(id: TableIdentifier) {
  return currentSnapshot((await catalog.loadTable(id)).metadata)?.summary ?? {};
}

describe('compaction applies position deletes', () => {
  it('rewrites the files without their deleted rows and drops every delete file; pyiceberg reads the same rows', async () => {
    const id = await table();
    const state = new Map<number, string>(range(0, 40).map((i) => [i, 'old']));
    const files = [];
    for (let k = 0; k < 4; k += 1) files.push(await append(id, rows(range(k * 10, k * 10 + 10))));
    const [f0, f1, , f3] = files as DataFile[];
    // Updates of 1, 2 and 10; a delete of 39; 1 updated again (its new row deleted by position too).
    const f4 = (await delta(
      id,
      [
        [f0 as DataFile, [1, 2]],
        [f1 as DataFile, [0]],
      ],
      rows([1, 2, 10], 'new'),
    )) as DataFile;
    await delta(id, [[f3 as DataFile, [9]]]);
    await delta(id, [[f4, [0]]], rows([1], 'newer'));
    for (const [k, v] of [
      [1, 'newer'],
      [2, 'new'],
      [10, 'new'],
    ] as const)
      state.set(k, v);
    state.delete(39);
    expect(await pyRows(id)).toEqual(expectedRows(state));
    expect((await live(id)).deletes).toHaveLength(3);

    const result = await compactTable(catalog, io, id);
    expect(result).toMatchObject({
      plans: 1,
      filesBefore: 6,
      filesAfter: 1,
      filesRewritten: 6,
      rowsRewritten: 44,
      rowsWritten: 39,
      deletedRowsRemoved: 5,
      deleteFilesBefore: 3,
      deleteFilesRemoved: 3,
      deleteFilesWritten: 0,
      deleteFilesAfter: 0,
      rowsBefore: 44,
      deletedRowsBefore: 5,
      rowsAfter: 39,
      deletedRowsAfter: 0,
    });
    expect(await pyRows(id)).toEqual(expectedRows(state));
    expect((await live(id)).deletes).toEqual([]);
    expect(await summary(id)).toMatchObject({
      operation: 'replace',
      'removed-delete-files': '3',
      'removed-position-delete-files': '3',
      'removed-position-deletes': '5',
      'total-delete-files': '0',
      'total-position-deletes': '0',
      'total-data-files': '1',
      'total-records': '39',
    });
  });

  it('keeps a large file with few deletes, carrying its deletes into one delete file in place of three', async () => {
    const id = await table();
    const big = await append(id, rows(range(0, 3000)));
    const small = [];
    for (let k = 0; k < 3; k += 1) small.push(await append(id, rows(range(5000 + k * 5, 5005 + k * 5))));
    const [s0, s1] = small as DataFile[];
    await delta(id, [
      [big, [7]],
      [s0 as DataFile, [0]],
    ]);
    await delta(id, [[big, [8]]]);
    await delta(id, [[s1 as DataFile, [1]]]);
    const before = await pyRows(id);
    expect(before).toHaveLength(3000 + 15 - 4);
    const smallFileBytes = Number(big.fileSizeInBytes) - 1;

    const result = await compactTable(catalog, io, id, { smallFileBytes });
    expect(result).toMatchObject({
      filesBefore: 4,
      filesAfter: 2,
      filesRewritten: 3,
      deletedRowsRemoved: 2,
      deleteFilesBefore: 3,
      deleteFilesRemoved: 3,
      deleteFilesWritten: 1,
      deleteFilesAfter: 1,
      deletedRowsAfter: 2,
    });
    expect(await pyRows(id)).toEqual(before);
    const after = await live(id);
    expect(after.data.map((f) => f.file.filePath)).toContain(big.filePath);
    const carried = await readPositionDeletes(io, (after.deletes[0] as (typeof after.deletes)[number]).file);
    expect(Object.fromEntries(carried)).toEqual({ [big.filePath]: [7, 8] });
    expect(await summary(id)).toMatchObject({ 'total-delete-files': '1', 'total-position-deletes': '2' });

    // Nothing left to do: one delete file, of rows of the file kept.
    expect(await compactTable(catalog, io, id, { smallFileBytes })).toMatchObject({
      snapshotId: undefined,
      partitionsTouched: 0,
    });
  });

  it('rewrites a file whose deleted rows reach the ratio whatever its size, and drops one whose rows are all deleted', async () => {
    const id = await table();
    const a = await append(id, rows(range(0, 20)));
    const b = await append(id, rows(range(100, 120)));
    const c = await append(id, rows(range(200, 205)));
    await delta(id, [
      [a, range(0, 10)],
      [b, [0]],
      [c, range(0, 5)],
    ]);
    const before = await pyRows(id);
    expect(before).toHaveLength(29);

    // No file is small here: only the deletes choose.
    const result = await compactTable(catalog, io, id, { smallFileBytes: 1, deleteRatio: 0.3 });
    expect(result).toMatchObject({
      filesRewritten: 2,
      filesWritten: 1,
      rowsWritten: 10,
      deletedRowsRemoved: 15,
      deleteFilesRemoved: 1,
      deleteFilesWritten: 1,
      deletedRowsAfter: 1,
    });
    expect(await pyRows(id)).toEqual(before);
    const after = await live(id);
    expect(after.data.map((f) => f.file.recordCount).sort()).toEqual([10n, 20n]);
    expect(
      Object.fromEntries(
        await readPositionDeletes(io, (after.deletes[0] as (typeof after.deletes)[number]).file),
      ),
    ).toEqual({
      [b.filePath]: [0],
    });
  });

  it.each([2, 3])(
    'follows row deltas that deleted rows of files being rewritten (v%i): their deletes land where the rows went, and nothing is left behind',
    async (formatVersion) => {
      const id = await table(false, formatVersion);
      const f0 = await append(id, rows(range(0, 10)));
      const f1 = await append(id, rows(range(10, 20)));
      await delta(id, [[f0, [0]]]);
      const state = new Map<number, string>(range(1, 20).map((i) => [i, 'old']));

      // Between the plan and its commit an upsert deletes row 15 (f1, position 5) and writes it anew,
      // and row 3 (f0, position 3); before the next attempt another commit deletes row 16 (f1, 6).
      const plan = await planCompaction(proxy.catalog(), io, id);
      proxy.beforeNextCommit = async () => {
        await delta(
          id,
          [
            [f0, [3]],
            [f1, [5]],
          ],
          rows([15], 'new'),
        );
        proxy.beforeNextCommit = async () => void (await delta(id, [[f1, [6]]]));
      };
      const result = await runCompaction(proxy.catalog(), io, plan);
      expect(result).toMatchObject({
        attempts: 3,
        filesRewritten: 2,
        filesWritten: 1,
        deleteFilesWritten: 1,
      });
      state.set(15, 'new');
      state.delete(3);
      state.delete(16);
      expect(await pyRows(id)).toEqual(expectedRows(state));

      // One delete file is left, of the file written: it deletes the rows of 3, 15 (old) and 16 there.
      const after = await live(id);
      const written = after.data.find((f) => f.file.recordCount === 19n) as (typeof after.data)[number];
      expect(after.deletes).toHaveLength(1);
      const deleted = await readPositionDeletes(
        io,
        (after.deletes[0] as (typeof after.deletes)[number]).file,
      );
      expect([...deleted.keys()]).toEqual([written.file.filePath]);
      const batches = await readDataFile(io, await catalog.loadTable(id), written);
      const ids = batches.flatMap((b) => [...(b.getChild('id')?.toArray() ?? [])].map(Number));
      expect(
        (deleted.get(written.file.filePath) ?? [])
          .map((pos) => ids[pos])
          .sort((a, b) => (a as number) - (b as number)),
      ).toEqual([3, 15, 16]);
      expect(await strayFiles(catalog, io, id)).toEqual([]);

      // The next compaction applies them.
      await compactTable(catalog, io, id, { deleteRatio: 0.1 });
      expect(await pyRows(id)).toEqual(expectedRows(state));
      expect((await live(id)).deletes).toEqual([]);
    },
  );

  it('still fails when a commit made meanwhile wrote equality deletes (they name no row to follow), leaving nothing behind', async () => {
    const id = await table();
    const f0 = await append(id, rows(range(0, 10)));
    const f1 = await append(id, rows(range(10, 20)));
    const plan = await planCompaction(proxy.catalog(), io, id);
    proxy.beforeNextCommit = async () => {
      const d = await RowDelta.start(catalog, io, id);
      const keySchema = { ...schema, fields: schema.fields.filter((f) => f.name === 'id') };
      d.addDeletes(await new TableWriter(io, d.table).deleteEqual([{ id: 5n }], keySchema));
      await d.commit();
    };
    const error = await runCompaction(proxy.catalog(), io, plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RewriteConflictError);
    expect([...(error as RewriteConflictError).deletedFrom].sort()).toEqual(
      [f0.filePath, f1.filePath].sort(),
    );
    expect(await strayFiles(catalog, io, id)).toEqual([]);
  });

  it('lands over a row delta that deleted rows of files it does not rewrite (another partition)', async () => {
    const id = await table(true);
    const eu = [await append(id, rows([1, 2], 'old', 'eu')), await append(id, rows([3, 4], 'old', 'eu'))];
    const us = await append(id, rows([5, 6, 7], 'old', 'us'));
    await delta(id, [[eu[0] as DataFile, [0]]]);
    proxy.beforeNextCommit = async () => void (await delta(id, [[us, [1]]]));
    const result = await compactTable(proxy.catalog(), io, id, { minBackoffMs: 10 });
    expect(result).toMatchObject({ plans: 1, attempts: 2, filesRewritten: 2, deleteFilesRemoved: 1 });
    expect(await pyRows(id)).toEqual(['2:old', '3:old', '4:old', '5:old', '7:old']);
    // The us partition keeps the delete file committed during the compaction.
    const after = await live(id);
    expect(after.deletes.map((f) => f.file.partition)).toEqual([['us']]);
  });
});
