import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanWithPyiceberg } from '../catalog/rest/pyiceberg';
import { compactTable } from '../maintenance/compact';
import { dropNamespaceWithFiles, stackCatalog, stackIO, uniqueNamespace } from '../maintenance/test-table';
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
import { RowDelta } from './row-delta';

// Format v3 tables against the local stack's REST catalog: deletes are deletion vectors in Puffin
// files, one per data file, merged when a data file's rows are deleted again; pyiceberg reads them.
const catalog = stackCatalog();
const io = stackIO();
const namespace = uniqueNamespace('floe_dv');

beforeAll(async () => {
  await catalog.createNamespace(namespace);
});

afterAll(async () => {
  await dropNamespaceWithFiles(catalog, io, namespace);
  io.close();
});

const schema = newSchema([required('id', T.long), optional('region', T.string), optional('v', T.string)]);
const rows = (region: string, ids: number[], v = 'old'): Row[] =>
  ids.map((i) => ({ id: BigInt(i), region, v }));
const pyRows = async (name: string) =>
  (await scanWithPyiceberg(namespace, name)).rows.map((r) => `${String(r.id).slice(2)}:${r.v}`).sort();

describe('deletion vectors (format v3)', () => {
  it('deletes rows with one vector per data file, merges a second delete into it, and compaction drops it', async () => {
    const id = { namespace, name: 't1' };
    await catalog.createTable(namespace, {
      name: id.name,
      schema,
      partitionSpec: new PartitionSpecBuilder(schema).identity('region').build(),
      properties: { 'format-version': '3' },
    });
    const append = await FastAppend.start(catalog, io, id);
    const files = await append.addRows([...rows('eu', [1, 2, 3]), ...rows('us', [4, 5])]);
    const appended = await append.commit();
    const eu = files.find((f) => f.partition[0] === 'eu') as DataFile;
    const us = files.find((f) => f.partition[0] === 'us') as DataFile;
    // Row lineage: the append's rows take ids 0-4.
    expect(currentSnapshot(appended.table.metadata)).toMatchObject({ firstRowId: 0n, addedRows: 5n });
    expect(appended.table.metadata.nextRowId).toBe(5n);

    const first = await RowDelta.start(catalog, io, id);
    await first.deletePositions([
      { dataFile: eu, positions: [1n] },
      { dataFile: us, positions: [0n] },
    ]);
    await first.addRows(rows('eu', [2], 'new'));
    const one = await first.commit();
    expect(one.deleteFiles.map((f) => [f.fileFormat, f.referencedDataFile, f.recordCount])).toEqual([
      ['PUFFIN', eu.filePath, 1n],
      ['PUFFIN', us.filePath, 1n],
    ]);
    expect(currentSnapshot(one.table.metadata)).toMatchObject({ firstRowId: 5n, addedRows: 1n });
    const list = readManifestList(await io.read(currentSnapshot(one.table.metadata)?.manifestList as string));
    expect(list.filter((m) => m.content === 1).map((m) => m.firstRowId)).toEqual([undefined]);
    expect(await pyRows(id.name)).toEqual(['1:old', '2:new', '3:old', '5:old']);

    // eu's first row deleted too: its vector now holds rows 0 and 1, and the old one is removed.
    const second = await RowDelta.start(catalog, io, id);
    await second.deletePositions([{ dataFile: eu, positions: [0n] }]);
    const two = await second.commit();
    expect(two.removedDeleteFiles.map((f) => f.filePath)).toEqual([one.deleteFiles[0]?.filePath]);
    const vectors = (await liveFiles(io, two.table.metadata)).filter((f) => f.file.content === 1);
    const euVectors = vectors.filter((f) => f.file.referencedDataFile === eu.filePath);
    expect(euVectors).toHaveLength(1);
    expect((await readPositionDeletes(io, euVectors[0]?.file as DataFile)).get(eu.filePath)).toEqual([0, 1]);
    expect(two.table.metadata.nextRowId).toBe(6n);
    expect(await pyRows(id.name)).toEqual(['2:new', '3:old', '5:old']);

    expect((await compactTable(catalog, io, id)).snapshotId).toBeDefined();
    const after = await liveFiles(io, (await catalog.loadTable(id)).metadata);
    expect(after.filter((f) => f.file.content === 1)).toEqual([]);
    expect(await pyRows(id.name)).toEqual(['2:new', '3:old', '5:old']);
  });
});
