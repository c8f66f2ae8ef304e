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
});
