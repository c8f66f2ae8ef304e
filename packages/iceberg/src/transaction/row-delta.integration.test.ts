import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../catalog/catalog';
import { scanWithPyiceberg } from '../catalog/rest/pyiceberg';
import { compactTable } from '../maintenance/compact';
import {
  dropNamespaceWithFiles,
  listTableFiles,
  stackCatalog,
  stackIO,
  uniqueNamespace,
} from '../maintenance/test-table';
import { readPositionDeletes } from '../reader/delete-files';
import { liveFiles } from '../reader/live-files';
import type { DataFile } from '../spec/manifest';
import { readManifestList } from '../spec/manifest-list';
import { PartitionSpecBuilder } from '../spec/partition-spec';
import { newSchema } from '../spec/schema';
import { currentSnapshot } from '../spec/table-metadata';
import { optional, required, T } from '../spec/types';
import type { Row } from '../writer/rows-to-arrow';
import { FastAppend } from './append';
import { ReplaceFiles } from './replace';
import { RowDelta, RowDeltaConflictError } from './row-delta';
import { addRows, deletePositions } from './test-writes';

// Against the local stack; pyiceberg reads the rows through the position deletes or deletion vectors (merge on read).
const catalog = stackCatalog();
const io = stackIO();
const namespace = uniqueNamespace('floe_rowdelta');
let counter = 0;

beforeAll(async () => {
  await catalog.createNamespace(namespace);
});

afterAll(async () => {
  await dropNamespaceWithFiles(catalog, io, namespace);
  io.close();
});

const schema = newSchema([required('id', T.long), optional('region', T.string), optional('v', T.string)]);

/** A table (format v2 unless told) partitioned by region with eu rows 1, 2, 3 (positions 0-2 of one file) and us rows 4, 5. */
async function table(formatVersion = 2): Promise<{ id: TableIdentifier; eu: DataFile; us: DataFile }> {
  counter += 1;
  const id = { namespace, name: `t${counter}` };
  await catalog.createTable(namespace, {
    name: id.name,
    schema,
    partitionSpec: new PartitionSpecBuilder(schema).identity('region').build(),
    properties: { 'format-version': String(formatVersion) },
  });
  const files = await append(id, [...rows('eu', [1, 2, 3]), ...rows('us', [4, 5])]);
  const byRegion = (r: string) => files.find((f) => f.partition[0] === r) as DataFile;
  return { id, eu: byRegion('eu'), us: byRegion('us') };
}

const rows = (region: string, ids: number[], v = 'old'): Row[] =>
  ids.map((i) => ({ id: BigInt(i), region, v }));

async function append(id: TableIdentifier, data: Row[]): Promise<DataFile[]> {
  const a = await FastAppend.start(catalog, io, id);
  await addRows(a, io, data);
  return (await a.commit()).dataFiles;
}

const pyRows = async (id: TableIdentifier) =>
  (await scanWithPyiceberg(namespace, id.name)).rows.map((r) => `${String(r.id).slice(2)}:${r.v}`).sort();

describe('RowDelta', () => {
  it('replaces rows in one "overwrite" snapshot of data and position delete files that pyiceberg merges', async () => {
    const { id, eu, us } = await table();
    const delta = await RowDelta.start(catalog, io, id);
    await deletePositions(delta, io, [
      { dataFile: eu, positions: [1n] },
      { dataFile: us, positions: [0n] },
    ]);
    await addRows(delta, io, rows('eu', [2], 'new'));
    const result = await delta.commit();
    expect(result.deleteFiles.map((f) => [f.content, f.partition, f.recordCount])).toEqual([
      [1, ['eu'], 1n],
      [1, ['us'], 1n],
    ]);
    expect(await pyRows(id)).toEqual(['1:old', '2:new', '3:old', '5:old']);
    const snapshot = currentSnapshot(result.table.metadata);
    expect(snapshot?.summary).toMatchObject({
      operation: 'overwrite',
      'added-data-files': '1',
      'added-records': '1',
      'added-delete-files': '2',
      'added-position-delete-files': '2',
      'added-position-deletes': '2',
      'total-data-files': '3',
      'total-records': '6',
      'total-delete-files': '2',
      'total-position-deletes': '2',
      'changed-partition-count': '2',
    });
    const manifests = readManifestList(await io.read(snapshot?.manifestList as string));
    expect(manifests.map((m) => m.content).sort()).toEqual([0, 0, 1]);
  });

  it('is a "delete" snapshot when it adds no data file, and totals add up over two of them', async () => {
    const { id, eu } = await table();
    const first = await RowDelta.start(catalog, io, id);
    await deletePositions(first, io, [{ dataFile: eu, positions: [0n, 2n] }]);
    await first.commit();
    const second = await RowDelta.start(catalog, io, id);
    await deletePositions(second, io, [{ dataFile: eu, positions: [1n] }]);
    const result = await second.commit();
    expect(currentSnapshot(result.table.metadata)?.summary).toMatchObject({
      operation: 'delete',
      'added-position-deletes': '1',
      'total-delete-files': '2',
      'total-position-deletes': '3',
    });
    expect(await pyRows(id)).toEqual(['4:old', '5:old']);
  });

  it('rebuilds on an append that landed first, and lands', async () => {
    const { id, eu } = await table();
    const delta = await RowDelta.start(catalog, io, id);
    await deletePositions(delta, io, [{ dataFile: eu, positions: [0n] }]);
    await append(id, rows('us', [6]));
    const result = await delta.commit();
    expect(result.attempts).toBe(2);
    expect(await pyRows(id)).toEqual(['2:old', '3:old', '4:old', '5:old', '6:old']);
  });

  it('fails with RowDeltaConflictError when a concurrent commit deleted rows of the same file, removing what it wrote', async () => {
    const { id, eu, us } = await table();
    const delta = await RowDelta.start(catalog, io, id);
    const written = await deletePositions(delta, io, [{ dataFile: eu, positions: [0n] }]);
    const other = await RowDelta.start(catalog, io, id);
    await deletePositions(other, io, [{ dataFile: eu, positions: [2n] }]);
    await other.commit();
    await expect(delta.commit()).rejects.toThrow(RowDeltaConflictError);
    const files = await listTableFiles(io, (await catalog.loadTable(id)).metadata.location);
    expect(files.has(written[0]?.filePath as string)).toBe(false);
    expect(await pyRows(id)).toEqual(['1:old', '2:old', '4:old', '5:old']);
    // Deletes in another data file are no conflict.
    const elsewhere = await RowDelta.start(catalog, io, id);
    await deletePositions(elsewhere, io, [{ dataFile: us, positions: [1n] }]);
    const late = await RowDelta.start(catalog, io, id);
    await deletePositions(late, io, [{ dataFile: eu, positions: [1n] }]);
    await elsewhere.commit();
    await late.commit();
    expect(await pyRows(id)).toEqual(['1:old', '4:old']);
  });

  it('fails with RowDeltaConflictError when a compaction removed the data file its deletes apply to', async () => {
    const { id, eu } = await table();
    const delta = await RowDelta.start(catalog, io, id);
    await deletePositions(delta, io, [{ dataFile: eu, positions: [0n] }]);
    const replace = await ReplaceFiles.start(catalog, io, id);
    replace.removeFiles([eu]);
    await addRows(replace, io, rows('eu', [1, 2, 3]));
    await replace.commit();
    await expect(delta.commit()).rejects.toThrow(/removed or deleted rows of 1 of the data files/);
    expect(await pyRows(id)).toEqual(['1:old', '2:old', '3:old', '4:old', '5:old']);
  });
});

describe('RowDelta on a format v3 table', () => {
  it('deletes rows with one deletion vector per data file, merges a second delete into it, and compaction drops it', async () => {
    const { id, eu, us } = await table(3);
    const appended = await catalog.loadTable(id);
    // Row lineage: the append's rows took ids 0-4.
    expect(currentSnapshot(appended.metadata)).toMatchObject({ firstRowId: 0n, addedRows: 5n });
    expect(appended.metadata.nextRowId).toBe(5n);

    const first = await RowDelta.start(catalog, io, id);
    await deletePositions(first, io, [
      { dataFile: eu, positions: [1n] },
      { dataFile: us, positions: [0n] },
    ]);
    await addRows(first, io, rows('eu', [2], 'new'));
    const one = await first.commit();
    expect(one.deleteFiles.map((f) => [f.fileFormat, f.referencedDataFile, f.recordCount])).toEqual([
      ['PUFFIN', eu.filePath, 1n],
      ['PUFFIN', us.filePath, 1n],
    ]);
    expect(currentSnapshot(one.table.metadata)).toMatchObject({ firstRowId: 5n, addedRows: 1n });
    const list = readManifestList(await io.read(currentSnapshot(one.table.metadata)?.manifestList as string));
    expect(list.filter((m) => m.content === 1).map((m) => m.firstRowId)).toEqual([undefined]);
    expect(await pyRows(id)).toEqual(['1:old', '2:new', '3:old', '5:old']);

    // eu's first row deleted too: its vector now holds rows 0 and 1, and the old one is removed.
    const second = await RowDelta.start(catalog, io, id);
    await deletePositions(second, io, [{ dataFile: eu, positions: [0n] }]);
    const two = await second.commit();
    expect(two.removedDeleteFiles.map((f) => f.filePath)).toEqual([one.deleteFiles[0]?.filePath]);
    const vectors = (await liveFiles(io, two.table.metadata)).filter((f) => f.file.content === 1);
    const euVectors = vectors.filter((f) => f.file.referencedDataFile === eu.filePath);
    expect(euVectors).toHaveLength(1);
    expect((await readPositionDeletes(io, euVectors[0]?.file as DataFile)).get(eu.filePath)).toEqual([0, 1]);
    expect(two.table.metadata.nextRowId).toBe(6n);
    expect(await pyRows(id)).toEqual(['2:new', '3:old', '5:old']);

    expect((await compactTable(catalog, io, id)).snapshotId).toBeDefined();
    const after = await liveFiles(io, (await catalog.loadTable(id)).metadata);
    expect(after.filter((f) => f.file.content === 1)).toEqual([]);
    expect(await pyRows(id)).toEqual(['2:new', '3:old', '5:old']);
  });
});
