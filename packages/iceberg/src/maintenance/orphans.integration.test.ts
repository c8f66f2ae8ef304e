import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileIO } from '../io/file-io';
import { removeOrphanFiles } from './orphans';
import {
  appendIds,
  currentSnapshotFiles,
  dropNamespaceWithFiles,
  idsReadByPyiceberg,
  listTableFiles,
  range,
  rowSchema,
  stackCatalog,
  stackIO,
  uniqueNamespace,
} from './test-table';

const catalog = stackCatalog();
const io = stackIO();
const namespace = uniqueNamespace('floe_orphans');
const DAY = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  await catalog.createNamespace(namespace);
});

afterAll(async () => {
  for (const ns of [
    [...namespace, 'orders'],
    [...namespace, 'elsewhere'],
  ])
    await dropNamespaceWithFiles(catalog, io, ns).catch(() => {});
  await dropNamespaceWithFiles(catalog, io, namespace);
  io.close();
});

async function lastModified(fileIO: FileIO, location: string): Promise<number> {
  for await (const f of fileIO.list(location)) if (f.location === location) return f.lastModifiedMs;
  throw new Error(`${location} is not listed`);
}

describe('removeOrphanFiles', () => {
  it('deletes unreferenced files older than the window, keeps recent ones and every referenced file', async () => {
    const id = { namespace, name: 'strays' };
    const { metadata } = await catalog.createTable(namespace, { name: id.name, schema: rowSchema });
    const old = `${metadata.location}/data/stray-old.parquet`;
    const recent = `${metadata.location}/metadata/stray-recent.avro`;
    await io.write(old, new Uint8Array([1, 2, 3]));
    await appendIds(catalog, io, id, range(0, 10));
    await appendIds(catalog, io, id, range(10, 20));
    // The store keeps whole seconds: the recent stray must be written in a later second than the old.
    const oldTime = await lastModified(io, old);
    let recentTime = oldTime;
    while (recentTime <= oldTime) {
      await io.write(recent, new Uint8Array([4]));
      recentTime = await lastModified(io, recent);
      if (recentTime <= oldTime) await sleep(250);
    }
    const referenced = await listTableFiles(io, metadata.location);
    referenced.delete(old);
    referenced.delete(recent);

    // "Now" one window after the recent stray: it is exactly at the edge (kept), everything else older.
    const options = { now: recentTime + 3 * DAY };
    const dry = await removeOrphanFiles(catalog, io, id, { ...options, dryRun: true });
    expect(dry.orphans.map((f) => f.location)).toEqual([old]);
    expect(dry.tooRecent.map((f) => f.location)).toEqual([recent]);
    expect(dry.deleted).toBe(0);
    expect(await io.exists(old)).toBe(true);

    const result = await removeOrphanFiles(catalog, io, id, options);
    expect(result.orphans.map((f) => f.location)).toEqual([old]);
    expect(result.deleted).toBe(1);
    expect(result.listed).toBe(referenced.size + 2);
    const after = await listTableFiles(io, metadata.location);
    expect(after.has(old)).toBe(false);
    expect(after.has(recent)).toBe(true);
    // Every referenced file stays, metadata files of every version included.
    for (const file of referenced) expect(after.has(file)).toBe(true);
    expect([...referenced].filter((f) => f.endsWith('.metadata.json')).length).toBeGreaterThanOrEqual(3);
    for (const file of await currentSnapshotFiles(catalog, io, id)) expect(after.has(file)).toBe(true);
    expect(await idsReadByPyiceberg(namespace, id.name)).toEqual(range(0, 20));

    // With the default window (3 days from the real now) nothing here is old enough.
    expect((await removeOrphanFiles(catalog, io, id, { dryRun: true })).orphans).toEqual([]);
  });

  it("leaves every file of a table nested inside the location alone, and a sibling's too", async () => {
    // sales.orders at .../orders; sales.orders.daily at .../orders/daily (the catalog's nesting);
    // a table of another namespace placed by hand at .../orders/hidden; a sibling at .../orders_x.
    const { metadata: probe } = await catalog.createTable(namespace, { name: 'probe', schema: rowSchema });
    const base = probe.location.slice(0, probe.location.lastIndexOf('/'));
    await catalog.dropTable({ namespace, name: 'probe' });
    const parent = { namespace, name: 'orders' };
    const child = { namespace: [...namespace, 'orders'], name: 'daily' };
    const hidden = { namespace: [...namespace, 'elsewhere'], name: 'hidden' };
    const sibling = { namespace, name: 'orders_x' };
    await catalog.createNamespace(child.namespace);
    await catalog.createNamespace(hidden.namespace);
    const create = (id: { namespace: string[]; name: string }, location: string) =>
      catalog.createTable(id.namespace, { name: id.name, schema: rowSchema, location });
    await create(parent, `${base}/orders`);
    await create(child, `${base}/orders/daily`);
    await create(hidden, `${base}/orders/hidden`);
    await create(sibling, `${base}/orders_x`);
    for (const [i, id] of [parent, child, hidden, sibling].entries())
      await appendIds(catalog, io, id, range(i * 10, i * 10 + 10));
    const stray = `${base}/orders/data/stray.parquet`;
    await io.write(stray, new Uint8Array([1]));
    const before = {
      child: await listTableFiles(io, `${base}/orders/daily`),
      hidden: await listTableFiles(io, `${base}/orders/hidden`),
      sibling: await listTableFiles(io, `${base}/orders_x`),
    };

    // Every file is old enough: only what no table references may go.
    const result = await removeOrphanFiles(catalog, io, parent, { now: Date.now() + 30 * DAY });
    expect(result.orphans.map((f) => f.location)).toEqual([stray]);
    expect(result.deleted).toBe(1);
    expect(result.otherTables.sort()).toEqual([`${base}/orders/daily/`, `${base}/orders/hidden/`]);
    expect(await listTableFiles(io, `${base}/orders/daily`)).toEqual(before.child);
    expect(await listTableFiles(io, `${base}/orders/hidden`)).toEqual(before.hidden);
    expect(await listTableFiles(io, `${base}/orders_x`)).toEqual(before.sibling);
    expect(await idsReadByPyiceberg(child.namespace, 'daily')).toEqual(range(10, 20));
    expect(await idsReadByPyiceberg(hidden.namespace, 'hidden')).toEqual(range(20, 30));
    expect(await idsReadByPyiceberg(namespace, 'orders_x')).toEqual(range(30, 40));
    expect(await idsReadByPyiceberg(namespace, 'orders')).toEqual(range(0, 10));

    // Outside the storage the caller may touch, nothing is even listed.
    await expect(
      removeOrphanFiles(catalog, io, parent, { allowedRoots: [`${base}/orders_x`] }),
    ).rejects.toThrow(`the table location ${base}/orders is outside ${base}/orders_x`);
    const inside = await removeOrphanFiles(catalog, io, child, {
      allowedRoots: [`${base}/orders`],
      dryRun: true,
    });
    expect(inside.otherTables).toEqual([]);
  });
});
