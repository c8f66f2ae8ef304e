import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFileIO } from '../../io/local-file-io';
import { newSchema } from '../../spec/schema';
import { currentSnapshot } from '../../spec/table-metadata';
import { optional, required, T } from '../../spec/types';
import { FastAppend } from '../../transaction/append';
import { addRows } from '../../transaction/test-writes';
import { CommitFailedError, NamespaceNotEmptyError, NoSuchNamespaceError, NoSuchTableError } from '../errors';
import { hiveCatalog, scanWithPyiceberg } from '../rest/pyiceberg';
import { HiveCatalog } from './hive-catalog';
import { MetastoreClient } from './metastore-client';

// Against the Apache Hive standalone metastore (4.0.1) the local stack runs (`npm run stack -- up hive`;
// npm test starts it): its settings are there only while it runs. Its warehouse is on local files;
// pyiceberg's own Hive catalog judges what Floe committed.
const uri = process.env.FLOE_HIVE_URI;
const warehouse = process.env.FLOE_HIVE_WAREHOUSE as string;
const suffix = randomBytes(4).toString('hex');
const database = `floe_hive_${suffix}`;
const schema = newSchema([required('id', T.long), optional('name', T.string)], { identifierFields: ['id'] });

/** Calls `hook` once, before the first metadata file this FileIO writes: another writer commits in between. */
class RacingFileIO extends LocalFileIO {
  hook: (() => Promise<void>) | undefined;
  override async write(location: string, body: Uint8Array): Promise<void> {
    const hook = this.hook;
    if (hook !== undefined && location.endsWith('.metadata.json')) {
      this.hook = undefined;
      await hook();
    }
    return super.write(location, body);
  }
}

/** pyiceberg's Hive catalog reading a table: its ids, how many snapshots, and the one main is at. */
async function readWithPyicebergHive(table: string) {
  const read = await scanWithPyiceberg([database], table, {
    catalog: hiveCatalog(uri as string),
    select: ['id'],
  });
  return {
    ids: read.rows.map((r) => Number(String(r.id).slice('i:'.length))).sort((a, b) => a - b),
    snapshots: read.snapshots.length,
    current: read.refs.main?.['snapshot-id'],
  };
}

const title =
  uri === undefined
    ? 'HiveCatalog (skipped: the stack runs no Hive metastore; start it with npm run stack -- up hive)'
    : 'HiveCatalog on the Hive standalone metastore';

describe.skipIf(uri === undefined)(title, () => {
  const io = new LocalFileIO();
  // Made in beforeAll: a skipped suite's body still runs, without a metastore uri.
  let catalog: HiveCatalog;
  const rows = (ids: number[]) => ids.map((id) => ({ id: BigInt(id), name: `n${id}` }));
  const append = async (on: HiveCatalog, fileIO: LocalFileIO, table: string, ids: number[]) => {
    const a = await FastAppend.start(on, fileIO, { namespace: [database], name: table });
    await addRows(a, io, rows(ids));
    return a;
  };

  beforeAll(async () => {
    catalog = new HiveCatalog({ uri: uri as string, warehouse, io });
    await catalog.createNamespace([database], { comment: 'floe tests' });
  });

  afterAll(async () => {
    for (const id of await catalog.listTables([database])) await catalog.dropTable(id, { purge: true });
    await catalog.dropNamespace([database]);
    catalog.close();
  });

  it('creates a table, commits appends that pyiceberg reads back, with the Iceberg table parameters', async () => {
    const id = { namespace: [database], name: 'events' };
    const created = await catalog.createTable([database], { name: 'events', schema });
    // Under the database's location, which the metastore gave it in its external warehouse.
    expect(created.metadata.location).toBe(`${warehouse.replace('file://', 'file:')}/${database}.db/events`);
    await (await append(catalog, io, 'events', [1, 2])).commit();
    const second = await (await append(catalog, io, 'events', [3])).commit();
    const loaded = await catalog.loadTable(id);
    expect(currentSnapshot(loaded.metadata)?.snapshotId).toBe(second.snapshotId);
    expect(loaded.metadataLocation).toMatch(/\/00002-[0-9a-f-]{36}\.metadata\.json$/);

    // The metastore's own record, as Hive, Trino or Spark would find it.
    const metastore = new MetastoreClient({ host: '127.0.0.1', port: Number(new URL(uri as string).port) });
    const hiveTable = await metastore.getTable(database, 'events');
    metastore.close();
    expect(hiveTable.tableType).toBe('EXTERNAL_TABLE');
    expect(hiveTable.parameters).toMatchObject({
      table_type: 'ICEBERG',
      EXTERNAL: 'TRUE',
      metadata_location: loaded.metadataLocation,
      previous_metadata_location: loaded.metadata.metadataLog.at(-1)?.metadataFile,
    });

    const read = await readWithPyicebergHive('events');
    expect(read).toEqual({ ids: [1, 2, 3], snapshots: 2, current: String(second.snapshotId) });
  });

  it("refuses a commit whose base another writer replaced (the metastore's expected metadata_location), and the commit loop retries it", async () => {
    const table = 'contended';
    const id = { namespace: [database], name: table };
    await catalog.createTable([database], { name: table, schema });
    const racingIO = new RacingFileIO();
    const other = new HiveCatalog({ uri: uri as string, io: racingIO });
    try {
      // Between reading the table and swapping its pointer, another writer commits.
      racingIO.hook = async () => void (await (await append(catalog, io, table, [1])).commit());
      const base = await catalog.loadTable(id);
      const error = await other
        .updateTable(id, [], [{ action: 'set-properties', updates: { 'floe.writer': 'other' } }])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommitFailedError);
      expect((error as Error).message).toMatch(/The table has been modified.*metadata_location/);
      const after = await catalog.loadTable(id);
      expect(after.metadata.properties['floe.writer']).toBeUndefined();
      expect(after.metadata.metadataLog.map((e) => e.metadataFile)).toEqual([base.metadataLocation]);
      // Only the two committed metadata files are left: the refused one was deleted.
      const files: string[] = [];
      for await (const f of io.list(`${after.metadata.location}/metadata/`))
        if (f.location.endsWith('.metadata.json')) files.push(f.location);
      // LocalFileIO lists file:///…, the metastore writes file:/… (one path either way).
      const path = (location: string | undefined) => location?.replace(/^file:\/+/, '/');
      expect(files.map(path).sort()).toEqual(
        [base.metadataLocation, after.metadataLocation].map(path).sort(),
      );

      // The same race under FastAppend's commit loop: refused once, reloaded, committed on top.
      const contended = await append(other, racingIO, table, [2]);
      racingIO.hook = async () => void (await (await append(catalog, io, table, [3])).commit());
      const result = await contended.commit();
      expect(result.attempts).toBe(2);
      expect(await readWithPyicebergHive(table)).toMatchObject({ ids: [1, 2, 3], snapshots: 3 });
    } finally {
      other.close();
    }
  });

  it('lists only Iceberg tables, names what is missing, refuses to drop a database with tables, purges', async () => {
    const id = { namespace: [database], name: 'dropped' };
    const created = await catalog.createTable([database], { name: 'dropped', schema });
    await (await append(catalog, io, 'dropped', [1])).commit();
    expect(await catalog.listTables([database])).toContainEqual(id);
    expect(await catalog.listNamespaces()).toContainEqual([database]);
    await expect(catalog.dropNamespace([database])).rejects.toThrow(NamespaceNotEmptyError);
    await expect(catalog.loadTable({ namespace: [database], name: 'nope' })).rejects.toThrow(
      NoSuchTableError,
    );
    await expect(catalog.listTables([`${database}_nope`])).rejects.toThrow(NoSuchNamespaceError);

    await catalog.dropTable(id, { purge: true });
    expect(await catalog.tableExists(id)).toBe(false);
    const left: string[] = [];
    for await (const f of io.list(`${created.metadata.location}/`)) left.push(f.location);
    expect(left).toEqual([]);
  });
});
