import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../catalog/catalog';
import { scanWithPyiceberg } from '../catalog/rest/pyiceberg';
import {
  dropNamespaceWithFiles,
  range,
  rowSchema,
  rowsOf,
  stackCatalog,
  stackIO,
  uniqueNamespace,
} from '../maintenance/test-table';
import type { Snapshot } from '../spec/table-metadata';
import { FastAppend } from './append';
import { CatalogProxy } from './catalog-proxy';
import { removeRef, rollbackBranch, setBranch, setTag } from './refs';
import type { SnapshotOptions } from './snapshot-producer';
import { addRows } from './test-writes';

// Against the local stack; pyiceberg reads each ref from the table's own metadata.
const catalog = stackCatalog();
const io = stackIO();
const namespace = uniqueNamespace('floe_branch');
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

const OFFSETS = 'floe.offsets.p1';
const carry = (parent: Snapshot | undefined) => ({ [OFFSETS]: parent?.summary[OFFSETS] ?? '{}' });

async function table(): Promise<TableIdentifier> {
  counter += 1;
  const id = { namespace, name: `t${counter}` };
  await catalog.createTable(namespace, { name: id.name, schema: rowSchema });
  return id;
}

async function append(
  id: TableIdentifier,
  ids: number[],
  options: SnapshotOptions = {},
  via: Catalog = catalog,
) {
  const a = await FastAppend.start(via, io, id, { summary: carry, ...options });
  await addRows(a, io, rowsOf(ids));
  return a.commit();
}

/** The ids pyiceberg reads at a ref (main by default), sorted. */
async function idsAt(id: TableIdentifier, ref?: string) {
  const scan = await scanWithPyiceberg(namespace, id.name, ref === undefined ? {} : { ref });
  return scan.rows.map((r) => Number(String(r.id).slice(2))).sort((a, b) => a - b);
}

describe('branches and tags', () => {
  it('commits to a branch without moving main, and a tag keeps marking its snapshot', async () => {
    const id = await table();
    const main1 = await append(id, range(0, 5), { summary: { [OFFSETS]: '{"t":{"0":"5"}}' } });
    await setTag(catalog, id, 'v1', main1.snapshotId, { maxRefAgeMs: 86_400_000n });

    const audit1 = await append(id, range(10, 13), { branch: 'audit', fromSnapshotId: main1.snapshotId });
    const { metadata } = audit1.table;
    expect(metadata.currentSnapshotId).toBe(main1.snapshotId);
    expect(metadata.refs.main?.snapshotId).toBe(main1.snapshotId);
    expect(metadata.refs.audit).toEqual({ snapshotId: audit1.snapshotId, type: 'branch' });
    const audit2 = await append(id, [20], { branch: 'audit' });
    // main's next commit builds on main's head, not on the branch's.
    const main2 = await append(id, [5, 6]);

    const snapshots = new Map(main2.table.metadata.snapshots.map((s) => [s.snapshotId, s]));
    expect(snapshots.get(audit1.snapshotId)?.parentSnapshotId).toBe(main1.snapshotId);
    expect(snapshots.get(audit2.snapshotId)?.parentSnapshotId).toBe(audit1.snapshotId);
    expect(snapshots.get(main2.snapshotId)?.parentSnapshotId).toBe(main1.snapshotId);
    expect(snapshots.get(audit2.snapshotId)?.summary).toMatchObject({
      'total-records': '9',
      'added-records': '1',
      [OFFSETS]: '{"t":{"0":"5"}}',
    });

    expect(await idsAt(id)).toEqual(range(0, 7));
    expect(await idsAt(id, 'audit')).toEqual([...range(0, 5), 10, 11, 12, 20]);
    expect(await idsAt(id, 'v1')).toEqual(range(0, 5));
    const { refs } = await scanWithPyiceberg(namespace, id.name, { rows: false });
    expect(refs).toEqual({
      main: { 'snapshot-id': String(main2.snapshotId), type: 'branch' },
      audit: { 'snapshot-id': String(audit2.snapshotId), type: 'branch' },
      v1: { 'snapshot-id': String(main1.snapshotId), type: 'tag', 'max-ref-age-ms': '86400000' },
    });
  });

  it('starts a branch with no history, keeps branch retention across commits, and moves and removes refs', async () => {
    const id = await table();
    const main1 = await append(id, range(0, 3));
    const fresh = await append(id, [100], { branch: 'fresh' });
    expect(fresh.table.metadata.snapshots.find((s) => s.snapshotId === fresh.snapshotId)).not.toHaveProperty(
      'parentSnapshotId',
    );
    expect(await idsAt(id, 'fresh')).toEqual([100]);

    await setBranch(catalog, id, 'staging', main1.snapshotId, {
      minSnapshotsToKeep: 3,
      maxSnapshotAgeMs: 3_600_000n,
      maxRefAgeMs: 604_800_000n,
    });
    const staged = await append(id, [200], { branch: 'staging' });
    const retention = { minSnapshotsToKeep: 3, maxSnapshotAgeMs: 3_600_000n, maxRefAgeMs: 604_800_000n };
    expect(staged.table.metadata.refs.staging).toEqual({
      snapshotId: staged.snapshotId,
      type: 'branch',
      ...retention,
    });
    expect((await scanWithPyiceberg(namespace, id.name, { rows: false })).refs.staging).toEqual({
      'snapshot-id': String(staged.snapshotId),
      type: 'branch',
      'min-snapshots-to-keep': '3',
      'max-snapshot-age-ms': '3600000',
      'max-ref-age-ms': '604800000',
    });

    await setTag(catalog, id, 'v1', main1.snapshotId);
    await expect(setTag(catalog, id, 'v1', staged.snapshotId)).rejects.toThrow(/"v1" already exists/);
    const moved = await setTag(catalog, id, 'v1', staged.snapshotId, { replace: true });
    expect(moved.metadata.refs.v1).toEqual({ snapshotId: staged.snapshotId, type: 'tag' });
    await expect(setTag(catalog, id, 'staging', main1.snapshotId, { replace: true })).rejects.toThrow(
      /"staging" is a branch, not a tag/,
    );
    await expect(append(id, [1], { branch: 'v1' })).rejects.toThrow(/"v1" is a tag/);
    await expect(setBranch(catalog, id, 'other', 12345n)).rejects.toThrow(/has no snapshot 12345/);
    await expect(
      setBranch(catalog, id, 'other', main1.snapshotId, { minSnapshotsToKeep: 0 }),
    ).rejects.toThrow(/minSnapshotsToKeep must be a positive/);

    const removed = await removeRef(catalog, id, 'v1');
    expect(Object.keys(removed.metadata.refs).sort()).toEqual(['fresh', 'main', 'staging']);
    await expect(removeRef(catalog, id, 'v1')).rejects.toThrow(/no ref "v1"/);
    await expect(removeRef(catalog, id, 'main')).rejects.toThrow(/main branch cannot be removed/);
    expect(await idsAt(id)).toEqual(range(0, 3));
  });

  it('finds its landed snapshot in the branch history after a lost answer, and lands once', async () => {
    const id = await table();
    const main1 = await append(id, range(0, 3));
    await setBranch(catalog, id, 'audit', main1.snapshotId);
    proxy.plans.push('lose-answer');
    proxy.forwardedCommits = 0;
    const result = await append(id, range(10, 12), { branch: 'audit', minBackoffMs: 10 }, proxy.catalog());
    expect(result.attempts).toBe(1);
    expect(proxy.forwardedCommits).toBe(1);
    const { metadata } = await catalog.loadTable(id);
    expect(metadata.refs.audit?.snapshotId).toBe(result.snapshotId);
    expect(metadata.snapshots.map((s) => s.snapshotId)).toEqual([main1.snapshotId, result.snapshotId]);
    expect(await idsAt(id, 'audit')).toEqual([0, 1, 2, 10, 11]);
    expect(await idsAt(id)).toEqual([0, 1, 2]);
  });

  it('rebuilds on the branch head when another writer moved the branch first', async () => {
    const id = await table();
    await append(id, [0]);
    const first = await append(id, [10], { branch: 'audit' });
    proxy.beforeNextCommit = async () => void (await append(id, [11], { branch: 'audit' }));
    const result = await append(id, [12], { branch: 'audit', minBackoffMs: 10 }, proxy.catalog());
    expect(result.attempts).toBe(2);
    const { metadata } = result.table;
    const mine = metadata.snapshots.find((s) => s.snapshotId === result.snapshotId);
    const other = metadata.snapshots.find((s) => s.parentSnapshotId === first.snapshotId);
    expect(mine?.parentSnapshotId).toBe(other?.snapshotId);
    expect(await idsAt(id, 'audit')).toEqual([10, 11, 12]);
    expect(await idsAt(id)).toEqual([0]);
  });

  it('rolls main back to an ancestor with its offsets, keeping the later snapshots and the tags on them', async () => {
    const id = await table();
    const s1 = await append(id, range(0, 3), { summary: { [OFFSETS]: '{"t":{"0":"3"}}' } });
    const s2 = await append(id, range(3, 6), { summary: { [OFFSETS]: '{"t":{"0":"6"}}' } });
    const side = await append(id, [99], { branch: 'side', fromSnapshotId: s1.snapshotId });
    await setTag(catalog, id, 'before-rollback', s2.snapshotId);
    await expect(rollbackBranch(catalog, id, side.snapshotId)).rejects.toThrow(
      `snapshot ${side.snapshotId} is not in the history of branch "main"`,
    );

    const rolled = await rollbackBranch(catalog, id, s1.snapshotId);
    expect(rolled.metadata.currentSnapshotId).toBe(s1.snapshotId);
    expect(rolled.metadata.snapshots.map((s) => s.snapshotId)).toContain(s2.snapshotId);
    // Again (a retry whose first answer was lost): nothing changes.
    const again = await rollbackBranch(catalog, id, s1.snapshotId);
    expect(again.metadataLocation).toBe(rolled.metadataLocation);

    const scan = await scanWithPyiceberg(namespace, id.name, {});
    expect(scan.rows.map((r) => Number(String(r.id).slice(2))).sort((a, b) => a - b)).toEqual(range(0, 3));
    expect(scan.refs.main).toEqual({ 'snapshot-id': String(s1.snapshotId), type: 'branch' });
    expect(await idsAt(id, 'before-rollback')).toEqual(range(0, 6));
    // The next commit on main builds on the snapshot rolled back to, carrying its offsets.
    const next = await append(id, [7]);
    const parent = next.table.metadata.snapshots.find((s) => s.snapshotId === next.snapshotId);
    expect(parent?.parentSnapshotId).toBe(s1.snapshotId);
    expect(parent?.summary[OFFSETS]).toBe('{"t":{"0":"3"}}');
  });
});
