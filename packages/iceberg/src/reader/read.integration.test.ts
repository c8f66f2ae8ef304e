import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../catalog/catalog';
import { appendWithPyiceberg } from '../catalog/rest/pyiceberg';
import { dropNamespaceWithFiles, stackCatalog, stackIO, uniqueNamespace } from '../maintenance/test-table';
import { PartitionSpecBuilder } from '../spec/partition-spec';
import { newSchema } from '../spec/schema';
import { optional, required, T } from '../spec/types';
import { FastAppend } from '../transaction/append';
import { evolveSchema } from '../transaction/test-schema';
import { addRows } from '../transaction/test-writes';
import type { Row } from '../writer/rows-to-arrow';
import { liveDataFiles } from './live-files';
import { readDataFileRows } from './read-data-file';

// Against the local stack: files written by Floe and by pyiceberg, read back through our own reader.
const catalog = stackCatalog();
const io = stackIO();
const namespace = uniqueNamespace('floe_read');

beforeAll(async () => {
  await catalog.createNamespace(namespace);
});

afterAll(async () => {
  await dropNamespaceWithFiles(catalog, io, namespace);
  io.close();
});

const byId = (a: Row, b: Row) => Number((a.id as bigint) - (b.id as bigint));

describe('reading back a table', () => {
  it('lists the live files of each snapshot and reads them by field id across a schema evolution', async () => {
    const original = newSchema([
      required('id', T.long),
      optional('n', T.int),
      optional('name', T.string),
      optional('region', T.string),
    ]);
    const id: TableIdentifier = { namespace, name: 'evolving' };
    await catalog.createTable(namespace, {
      name: id.name,
      schema: original,
      partitionSpec: new PartitionSpecBuilder(original).identity('region').build(),
    });
    const append = async (rows: Row[]) => {
      const a = await FastAppend.start(catalog, io, id);
      await addRows(a, io, rows);
      return a.commit();
    };
    const first = await append([
      { id: 1n, n: 7, name: 'a', region: 'eu' },
      { id: 2n, n: null, name: 'b', region: 'us' },
    ]);

    // Rename a column, widen another, add a third: old files must read in the new shape.
    await evolveSchema(catalog, id, (u) =>
      u.renameColumn('name', 'title').updateColumnType('n', T.long).addColumn(null, 'score', T.double),
    );
    await append([{ id: 3n, n: 1n << 40n, title: 'c', region: 'eu', score: 0.5 }]);
    // pyiceberg writes its own Parquet (large string types, its own metadata).
    await appendWithPyiceberg(namespace, id.name, [[4, 9, 'd', 'us', -1.25]]);

    const table = await catalog.loadTable(id);
    const files = await liveDataFiles(io, table.metadata);
    expect(files).toHaveLength(4);
    const rows = (await Promise.all(files.map((f) => readDataFileRows(io, table, f)))).flat();
    expect(rows.sort(byId)).toEqual([
      { id: 1n, n: 7n, title: 'a', region: 'eu', score: null },
      { id: 2n, n: null, title: 'b', region: 'us', score: null },
      { id: 3n, n: 1n << 40n, title: 'c', region: 'eu', score: 0.5 },
      { id: 4n, n: 9n, title: 'd', region: 'us', score: -1.25 },
    ]);

    // The first snapshot still lists its own two files, added by it at sequence number 1.
    const firstSnapshot = table.metadata.snapshots.find((s) => s.snapshotId === first.snapshotId);
    const firstFiles = await liveDataFiles(io, table.metadata, firstSnapshot);
    expect(
      firstFiles.map((f) => [f.file.filePath, f.snapshotId, f.sequenceNumber, f.fileSequenceNumber]),
    ).toEqual(first.dataFiles.map((f) => [f.filePath, first.snapshotId, 1n, 1n]));
  });
});
