import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../catalog/catalog';
import { scanWithPyiceberg } from '../catalog/rest/pyiceberg';
import { liveDataFiles } from '../reader/live-files';
import { reachableFiles } from '../reader/reachable';
import { PartitionSpecBuilder } from '../spec/partition-spec';
import { newSchema, type Schema } from '../spec/schema';
import { currentSnapshot, type Snapshot } from '../spec/table-metadata';
import { optional, required, T } from '../spec/types';
import { FastAppend } from '../transaction/append';
import { CatalogProxy } from '../transaction/catalog-proxy';
import { RewriteConflictError } from '../transaction/replace';
import { evolveSchema } from '../transaction/test-schema';
import { addRows } from '../transaction/test-writes';
import type { Row } from '../writer/rows-to-arrow';
import { compactTable, runCompaction } from './compact';
import { planCompaction } from './compaction-plan';
import {
  dropNamespaceWithFiles,
  listTableFiles,
  stackCatalog,
  stackIO,
  strayFiles,
  uniqueNamespace,
} from './test-table';

// Against the local stack's REST catalog and object store; pyiceberg reads the table before and after.
const catalog = stackCatalog();
const io = stackIO();
const namespace = uniqueNamespace('floe_compact');
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

const schema = newSchema([required('id', T.long), required('ts', T.timestamptz), optional('name', T.string)]);
const DAY = 86_400_000_000n;
const JAN_1_2024 = 1_704_067_200_000_000n;
const rows = (ids: number[], day = 0): Row[] =>
  ids.map((i) => ({ id: BigInt(i), ts: JAN_1_2024 + BigInt(day) * DAY + BigInt(i), name: `name-${i}` }));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

const OFFSETS = 'floe.offsets.p1';
const carry = (parent: Snapshot | undefined) => ({ [OFFSETS]: parent?.summary[OFFSETS] ?? '{}' });

async function table(partitioned: boolean, s: Schema = schema): Promise<TableIdentifier> {
  counter += 1;
  const id = { namespace, name: `t${counter}` };
  const partitionSpec = partitioned ? new PartitionSpecBuilder(s).day('ts').build() : undefined;
  await catalog.createTable(namespace, { name: id.name, schema: s, ...(partitionSpec && { partitionSpec }) });
  return id;
}

async function append(id: TableIdentifier, data: Row[], offsets?: string) {
  const a = await FastAppend.start(catalog, io, id, {
    summary: (parent) => (offsets === undefined ? carry(parent) : { [OFFSETS]: offsets }),
  });
  await addRows(a, io, data);
  return a.commit();
}

/** What pyiceberg reads, every column, in id order: the table's content. */
async function content(id: TableIdentifier) {
  const scan = await scanWithPyiceberg(namespace, id.name);
  const key = (r: Record<string, unknown>) => BigInt(String(r.id).slice(2));
  return scan.rows.sort((a, b) => Number(key(a) - key(b)));
}

const liveCount = async (id: TableIdentifier) =>
  (await liveDataFiles(io, (await catalog.loadTable(id)).metadata)).length;

describe('compactTable', () => {
  it('bin-packs 42 small appends (across a schema change) into one file with the same content', async () => {
    const id = await table(false);
    for (let i = 0; i < 21; i += 1)
      await append(id, rows(range(i * 10, i * 10 + 10)), i === 0 ? '{"t":{"0":"10"}}' : undefined);
    await evolveSchema(catalog, id, (u) => u.renameColumn('name', 'label').addColumn(null, 'extra', T.int));
    for (let i = 21; i < 42; i += 1) {
      const evolved = range(i * 10, i * 10 + 10).map((n) => ({
        id: BigInt(n),
        ts: JAN_1_2024 + BigInt(n),
        label: `label-${n}`,
        extra: n,
      }));
      await append(id, evolved);
    }
    const before = await content(id);
    expect(before).toHaveLength(420);
    expect(await liveCount(id)).toBe(42);
    const sizes = (await liveDataFiles(io, (await catalog.loadTable(id)).metadata)).map((f) =>
      Number(f.file.fileSizeInBytes),
    );

    const result = await compactTable(catalog, io, id, { summary: carry });
    expect(result).toMatchObject({
      attempts: 1,
      filesBefore: 42,
      filesAfter: 1,
      filesRewritten: 42,
      filesWritten: 1,
      rowsRewritten: 420,
      partitionsTouched: 1,
      bytesRewritten: sizes.reduce((a, b) => a + b, 0),
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(await liveCount(id)).toBe(1);
    expect(await content(id)).toEqual(before);
    const { metadata } = await catalog.loadTable(id);
    expect(currentSnapshot(metadata)?.snapshotId).toBe(result.snapshotId);
    expect(currentSnapshot(metadata)?.summary).toMatchObject({
      operation: 'replace',
      'deleted-data-files': '42',
      'added-data-files': '1',
      'total-data-files': '1',
      'total-records': '420',
      [OFFSETS]: '{"t":{"0":"10"}}',
    });

    // Nothing left to do: no snapshot.
    const again = await compactTable(catalog, io, id);
    expect(again).toMatchObject({
      snapshotId: undefined,
      filesBefore: 1,
      filesAfter: 1,
      partitionsTouched: 0,
    });
    expect((await catalog.loadTable(id)).metadata.snapshots).toHaveLength(metadata.snapshots.length);
  });

  it('keeps an append that lands between planning and commit', async () => {
    const id = await table(false);
    for (let i = 0; i < 4; i += 1)
      await append(id, rows(range(i * 5, i * 5 + 5)), `{"t":{"0":"${i * 5 + 5}"}}`);
    const plan = await planCompaction(catalog, io, id, { summary: carry, minBackoffMs: 10 });
    await append(id, rows(range(100, 103)), '{"t":{"0":"103"}}');
    const result = await runCompaction(catalog, io, plan);
    expect(result).toMatchObject({ attempts: 2, filesBefore: 4, filesAfter: 1, rowsRewritten: 20 });
    const ids = (await content(id)).map((r) => r.id);
    expect(ids).toEqual([...range(0, 20), ...range(100, 103)].map((n) => `i:${n}`));
    expect(await liveCount(id)).toBe(2);
    // Built again on the append, it carries that append's offsets.
    expect(currentSnapshot((await catalog.loadTable(id)).metadata)?.summary[OFFSETS]).toBe(
      '{"t":{"0":"103"}}',
    );
  });

  it('fails with the conflict error when another rewrite removed its input, leaving nothing behind', async () => {
    const id = await table(false);
    for (let i = 0; i < 3; i += 1) await append(id, rows(range(i * 5, i * 5 + 5)));
    const first = await planCompaction(catalog, io, id, { minBackoffMs: 10 });
    const second = await planCompaction(catalog, io, id, { minBackoffMs: 10 });
    await runCompaction(catalog, io, first);
    const before = await catalog.loadTable(id);
    const filesBefore = await listTableFiles(io, before.metadata.location);
    const contentBefore = await content(id);

    await expect(runCompaction(catalog, io, second)).rejects.toThrow(RewriteConflictError);
    const after = await catalog.loadTable(id);
    expect(after.metadata.snapshots).toHaveLength(before.metadata.snapshots.length);
    expect(after.metadataLocation).toBe(before.metadataLocation);
    // Every file that any snapshot reaches is there, and nothing of the failed rewrite stayed.
    const reached = await reachableFiles(io, after.metadata.snapshots, { entries: 'live' });
    for (const file of [...reached.manifestLists, ...reached.manifests, ...reached.dataFiles]) {
      expect([file, await io.exists(file)]).toEqual([file, true]);
    }
    expect(await listTableFiles(io, after.metadata.location)).toEqual(filesBefore);
    expect(await content(id)).toEqual(contentBefore);
  });

  it('plans again from the new head when another compaction removed its input first, and finishes', async () => {
    const id = await table(false);
    for (let i = 0; i < 3; i += 1) await append(id, rows(range(i * 5, i * 5 + 5)));
    // Between this compaction's plan and its commit, another compaction lands, and two appends.
    proxy.beforeNextCommit = async () => {
      await compactTable(catalog, io, id, { summary: carry });
      await append(id, rows(range(100, 105)));
      await append(id, rows(range(105, 110)));
    };
    const result = await compactTable(proxy.catalog(), io, id, {
      summary: carry,
      minBackoffMs: 10,
      minReplanBackoffMs: 10,
    });
    // The second plan rewrote the other compaction's file and the two appends' into one.
    expect(result).toMatchObject({ plans: 2, filesBefore: 3, filesAfter: 1, filesRewritten: 3 });
    expect(await liveCount(id)).toBe(1);
    expect((await content(id)).map((r) => r.id)).toEqual(
      [...range(0, 15), ...range(100, 110)].map((n) => `i:${n}`),
    );
    // The first plan's files are gone: every file under the table is one some snapshot reaches.
    expect(await strayFiles(catalog, io, id)).toEqual([]);

    // Without a second plan, the conflict is the caller's.
    for (let i = 0; i < 2; i += 1) await append(id, rows(range(200 + i * 5, 205 + i * 5)));
    proxy.beforeNextCommit = async () => void (await compactTable(catalog, io, id));
    await expect(compactTable(proxy.catalog(), io, id, { minBackoffMs: 10, maxPlans: 1 })).rejects.toThrow(
      RewriteConflictError,
    );
  });

  it('counts the small files it leaves: lone small ones, and rewrites still below the small size', async () => {
    const id = await table(true);
    for (let i = 0; i < 3; i += 1) await append(id, rows(range(i * 3, i * 3 + 3), 0));
    await append(id, rows(range(200, 203), 2)); // a lone small file in day 2
    const result = await compactTable(catalog, io, id);
    expect(result).toMatchObject({ filesBefore: 4, filesAfter: 2, smallFilesAfter: 2 });
  });

  it('compacts each partition of a partitioned table on its own, leaving large and lone files alone', async () => {
    const id = await table(true);
    for (let i = 0; i < 3; i += 1) await append(id, rows(range(i * 3, i * 3 + 3), 0));
    for (let i = 0; i < 2; i += 1) await append(id, rows(range(100 + i * 3, 100 + i * 3 + 3), 1));
    await append(id, rows(range(1000, 6000), 1)); // a large file in day 1
    await append(id, rows(range(200, 203), 2)); // a lone small file in day 2
    const files = await liveDataFiles(io, (await catalog.loadTable(id)).metadata);
    const large = files.find((f) => f.file.recordCount === 5000n);
    const largestSmall = Math.max(
      ...files.filter((f) => f !== large).map((f) => Number(f.file.fileSizeInBytes)),
    );
    const before = await content(id);

    const result = await compactTable(catalog, io, id, {
      smallFileBytes: Math.floor((largestSmall + Number(large?.file.fileSizeInBytes)) / 2),
    });
    expect(result).toMatchObject({
      filesBefore: 7,
      filesAfter: 4,
      filesRewritten: 5,
      filesWritten: 2,
      rowsRewritten: 15,
      partitionsTouched: 2,
    });
    const after = await liveDataFiles(io, (await catalog.loadTable(id)).metadata);
    const perDay = new Map<string, number>();
    for (const f of after)
      perDay.set(String(f.file.partition[0]), (perDay.get(String(f.file.partition[0])) ?? 0) + 1);
    expect(Object.fromEntries(perDay)).toEqual({ '19723': 1, '19724': 2, '19725': 1 });
    expect(after.some((f) => f.file.filePath === large?.file.filePath)).toBe(true);
    expect(await content(id)).toEqual(before);
    // pyiceberg still prunes by partition: day 0 is one file now.
    const day0 = await scanWithPyiceberg(namespace, id.name, {
      filter: "ts < '2024-01-02T00:00:00+00:00'",
      rows: false,
    });
    expect(day0.files).toHaveLength(1);
  });
});
