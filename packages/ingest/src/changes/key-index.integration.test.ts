import {
  compactTable,
  type DataFile,
  FastAppend,
  liveDataFiles,
  newSchema,
  optional,
  planCompaction,
  type Row,
  RowDelta,
  required,
  runCompaction,
  T,
  type TableIdentifier,
  TableWriter,
} from '@floe/iceberg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCatalog, testIO, uniqueName } from '../testing/stack';
import { KeyColumns } from './change-key';
import { KeyIndex } from './key-index';
import { loadKeyIndex, saveKeyIndex } from './key-index-store';

// The key index against the local stack's REST catalog and object store: built from a v3 table with
// deletion vectors, caught up across a compaction and other commits without reading the table again,
// and stored beside the table.
const catalog = testCatalog();
const io = testIO();
const namespace = [uniqueName('key_index')];
const schema = newSchema([required('id', T.long), optional('v', T.string)], { identifierFields: ['id'] });
const keys = new KeyColumns(schema, ['id'], 'key index test');
const rows = (ids: number[], v: string) => ids.map((id) => ({ id: BigInt(id), v }));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

beforeAll(() => catalog.createNamespace(namespace));
afterAll(() => io.close());

/** Commits rows as one data file. */
async function append(id: TableIdentifier, data: Row[]): Promise<DataFile[]> {
  const a = await FastAppend.start(catalog, io, id);
  const files = await new TableWriter(io, a.table).writeRows(data);
  a.addDataFiles(files);
  await a.commit();
  return files;
}

/** Where the index has each key of 0–29: file path and position (sorted), or nothing. */
const where = (index: KeyIndex) =>
  range(0, 30).map((id) =>
    index
      .locations(String(id))
      .map((l) => `${l.file.filePath}#${l.pos}`)
      .sort(),
  );

describe('key index', () => {
  it('is read from live rows less deletion vectors, follows a compaction and other commits, and is stored beside the table', async () => {
    const id = { namespace, name: 'accounts' };
    await catalog.createTable(namespace, { name: id.name, schema, properties: { 'format-version': '3' } });
    const files: DataFile[] = [];
    for (const from of [0, 10]) files.push(...(await append(id, rows(range(from, from + 10), 'old'))));
    // An upsert's commit: 1 and 10 updated, 19 deleted.
    const delta = await RowDelta.start(catalog, io, await catalog.loadTable(id));
    const writer = new TableWriter(io, delta.table);
    delta.addDeletes(
      await writer.deletePositions(
        [
          { dataFile: files[0] as DataFile, positions: [1n] },
          { dataFile: files[1] as DataFile, positions: [0n, 9n] },
        ],
        undefined,
        delta.planned,
      ),
    );
    const updated = (await writer.writeRows(rows([1, 10], 'new')))[0] as DataFile;
    delta.addDataFiles([updated]);
    await delta.commit();

    const index = await KeyIndex.build(io, await catalog.loadTable(id), keys);
    expect(index.size).toBe(19);
    expect(where(index)[1]).toEqual([`${updated.filePath}#0`]);
    expect(where(index)[19]).toEqual([]);

    await compactTable(catalog, io, id);
    const compacted = await catalog.loadTable(id);
    expect(await index.catchUp(io, compacted, keys)).toBe(true);
    expect(index.snapshotId).toBe(compacted.metadata.currentSnapshotId);
    // The same as an index read from the compacted table, and nothing left in the removed files.
    expect(where(index)).toEqual(where(await KeyIndex.build(io, compacted, keys)));
    for (const f of [...files, updated]) expect(index.holds(f.filePath)).toBe(false);

    // Stored beside the table as of the compaction, and read back as it was.
    const stored = compacted.metadata.currentSnapshotId as bigint;
    await saveKeyIndex(io, compacted.metadata.location, stored, index.serialize(keys.names));
    expect(where((await loadKeyIndex(io, compacted, keys)) as KeyIndex)).toEqual(where(index));

    // Then an upsert's commit on the compacted file (2 updated, 3 deleted, 29 inserted) and another
    // writer's rows (5 again: live twice, 28 new): an index follows both, as does one loaded from the store.
    const [compactedFile] = (await liveDataFiles(io, compacted.metadata)).map((f) => f.file);
    const upsert = await RowDelta.start(catalog, io, compacted);
    const upsertWriter = new TableWriter(io, upsert.table);
    const positions = where(index).flatMap((at, key) =>
      key === 2 || key === 3 ? [BigInt((at[0] as string).split('#')[1] as string)] : [],
    );
    upsert.addDeletes(
      await upsertWriter.deletePositions(
        [{ dataFile: compactedFile as DataFile, positions }],
        undefined,
        upsert.planned,
      ),
    );
    upsert.addDataFiles(await upsertWriter.writeRows(rows([2, 29], 'upsert')));
    await upsert.commit();
    await append(id, rows([5, 28], 'other'));
    const latest = await catalog.loadTable(id);
    expect(await index.catchUp(io, latest, keys)).toBe(true);
    const built = where(await KeyIndex.build(io, latest, keys));
    expect(where(index)).toEqual(built);
    expect(built[3]).toEqual([]);
    expect(built[5]).toHaveLength(2);
    expect(built[28]).toHaveLength(1);
    expect(where((await loadKeyIndex(io, latest, keys)) as KeyIndex)).toEqual(built);
  });

  it('follows a compaction that moved deletes committed while it ran onto the rows it wrote', async () => {
    const id = { namespace, name: 'moved' };
    await catalog.createTable(namespace, { name: id.name, schema, properties: { 'format-version': '3' } });
    const files: DataFile[] = [];
    for (const from of [0, 10]) files.push(...(await append(id, rows(range(from, from + 10), 'old'))));
    const index = await KeyIndex.build(io, await catalog.loadTable(id), keys);

    // Planned on the two files; before it commits, an upsert updates 4 and deletes 12.
    const plan = await planCompaction(catalog, io, id, { smallFileBytes: 1 << 30 });
    const delta = await RowDelta.start(catalog, io, await catalog.loadTable(id));
    const writer = new TableWriter(io, delta.table);
    delta.addDeletes(
      await writer.deletePositions(
        [
          { dataFile: files[0] as DataFile, positions: [4n] },
          { dataFile: files[1] as DataFile, positions: [2n] },
        ],
        undefined,
        delta.planned,
      ),
    );
    delta.addDataFiles(await writer.writeRows(rows([4], 'new')));
    await delta.commit();
    const result = await runCompaction(catalog, io, plan);
    expect(result).toMatchObject({ filesRewritten: 2, deleteFilesWritten: 1 });

    const latest = await catalog.loadTable(id);
    expect(await index.catchUp(io, latest, keys)).toBe(true);
    const built = where(await KeyIndex.build(io, latest, keys));
    expect(where(index)).toEqual(built);
    expect(built[12]).toEqual([]);
    expect(built[4]).toHaveLength(1);
    for (const f of files) expect(index.holds(f.filePath)).toBe(false);
  });
});
