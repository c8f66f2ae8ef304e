import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../catalog/catalog';
import { scanWithPyiceberg } from '../catalog/rest/pyiceberg';
import { liveFiles } from '../reader/live-files';
import { reachableFiles } from '../reader/reachable';
import { ManifestEntryStatus, readManifest, writeManifest } from '../spec/manifest';
import { readManifestList } from '../spec/manifest-list';
import { PartitionSpecBuilder } from '../spec/partition-spec';
import { newSchema } from '../spec/schema';
import { currentSchema, currentSnapshot, defaultSpec, type Snapshot } from '../spec/table-metadata';
import { optional, required, T } from '../spec/types';
import { FastAppend } from '../transaction/append';
import { CatalogProxy } from '../transaction/catalog-proxy';
import { RewriteConflictError } from '../transaction/replace';
import { addRows } from '../transaction/test-writes';
import { runCompaction } from './compact';
import { planCompaction } from './compaction-plan';
import { MANIFEST_TARGET_SIZE_PROPERTY, rewriteManifests } from './rewrite-manifests';
import {
  dropNamespaceWithFiles,
  listTableFiles,
  range,
  stackCatalog,
  stackIO,
  uniqueNamespace,
} from './test-table';

// Against the local stack's REST catalog and object store; pyiceberg reads the table before and after.
const catalog = stackCatalog();
const io = stackIO();
const namespace = uniqueNamespace('floe_manifests');
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

const schema = newSchema([required('id', T.long), optional('region', T.string)]);
const OFFSETS = 'floe.offsets.p1';
const carry = (parent: Snapshot | undefined) => ({ [OFFSETS]: parent?.summary[OFFSETS] ?? '{}' });
const offsets = (next: number) => `{"t":{"0":"${next}"}}`;

async function table(properties: Record<string, string> = {}): Promise<TableIdentifier> {
  counter += 1;
  const id = { namespace, name: `t${counter}` };
  await catalog.createTable(namespace, { name: id.name, schema, properties });
  return id;
}

/** Appends (id, region) rows as ingest does: one manifest, the offsets after them in the summary. */
async function append(id: TableIdentifier, ids: [number, ...number[]]) {
  const a = await FastAppend.start(catalog, io, id, {
    summary: { [OFFSETS]: offsets(Math.max(...ids) + 1) },
  });
  // One region per append: one data file in either spec.
  const region = ids[0] % 4 === 0 ? 'eu' : 'us';
  await addRows(
    a,
    io,
    ids.map((i) => ({ id: BigInt(i), region })),
  );
  return a.commit();
}

/** Appends `count` times, two rows each, starting at row `from`. */
async function appends(id: TableIdentifier, from: number, count: number) {
  for (let i = 0; i < count; i += 1) await append(id, [from + 2 * i, from + 2 * i + 1]);
}

async function partitionByRegion(id: TableIdentifier) {
  const { metadata } = await catalog.loadTable(id);
  const spec = new PartitionSpecBuilder(currentSchema(metadata), {
    specId: 1,
    lastPartitionId: metadata.lastPartitionId,
  })
    .identity('region')
    .build();
  await catalog.updateTable(
    id,
    [{ type: 'assert-default-spec-id', defaultSpecId: metadata.defaultSpecId }],
    [
      { action: 'add-spec', spec },
      { action: 'set-default-spec', specId: -1 },
    ],
  );
}

async function head(id: TableIdentifier) {
  const { metadata } = await catalog.loadTable(id);
  const snapshot = currentSnapshot(metadata) as Snapshot;
  return { metadata, snapshot, manifests: readManifestList(await io.read(snapshot.manifestList)) };
}

/** Every live file with the snapshot and sequence numbers its entry gives it, by path. */
async function entries(id: TableIdentifier) {
  const files = await liveFiles(io, (await catalog.loadTable(id)).metadata);
  return new Map(
    files.map((f) => [f.file.filePath, [f.specId, f.snapshotId, f.sequenceNumber, f.fileSequenceNumber]]),
  );
}

const idOf = (r: Record<string, unknown>) => Number(String(r.id).slice(2));

/** What pyiceberg reads, in id order. */
async function content(id: TableIdentifier) {
  return (await scanWithPyiceberg(namespace, id.name)).rows.sort((a, b) => idOf(a) - idOf(b));
}

const ids = async (id: TableIdentifier) => (await content(id)).map(idOf);

describe('rewriteManifests', () => {
  it('rewrites 30 one-append manifests of two specs into one per spec, leaving every entry as it was', async () => {
    const id = await table();
    await appends(id, 0, 15);
    await partitionByRegion(id);
    await appends(id, 30, 15);
    const before = await head(id);
    expect(before.manifests).toHaveLength(30);
    const entriesBefore = await entries(id);
    const rowsBefore = await content(id);
    expect(rowsBefore).toHaveLength(60);
    const euBefore = await scanWithPyiceberg(namespace, id.name, { filter: "region = 'eu'", rows: false });

    const result = await rewriteManifests(catalog, io, id, { summary: carry });
    expect(result).toMatchObject({
      attempts: 1,
      manifestsReplaced: 30,
      manifestsCreated: 2,
      manifestsKept: 0,
      entriesProcessed: 30,
    });

    const after = await head(id);
    expect(after.snapshot.snapshotId).toBe(result.snapshotId);
    expect(after.snapshot.parentSnapshotId).toBe(before.snapshot.snapshotId);
    expect(after.snapshot.summary).toMatchObject({
      operation: 'replace',
      'manifests-created': '2',
      'manifests-kept': '0',
      'manifests-replaced': '30',
      'entries-processed': '30',
      'total-data-files': '30',
      'total-records': '60',
      [OFFSETS]: offsets(60),
    });
    expect(after.snapshot.summary).not.toHaveProperty('added-data-files');
    const sequenceNumber = before.snapshot.sequenceNumber + 1n;
    expect(
      after.manifests
        .map((m) => [
          m.partitionSpecId,
          m.addedSnapshotId,
          m.sequenceNumber,
          m.minSequenceNumber,
          m.addedFilesCount,
          m.existingFilesCount,
          m.deletedFilesCount,
          m.existingRowsCount,
        ])
        .sort(),
    ).toEqual([
      [0, result.snapshotId, sequenceNumber, 1n, 0, 15, 0, 30n],
      [1, result.snapshotId, sequenceNumber, 16n, 0, 15, 0, 30n],
    ]);
    // Every entry is EXISTING with its snapshot id and sequence numbers written out, as they were.
    for (const m of after.manifests) {
      const spec = after.metadata.partitionSpecs.find((s) => s.specId === m.partitionSpecId);
      const { entries: written } = readManifest(
        await io.read(m.manifestPath),
        currentSchema(after.metadata),
        spec ?? defaultSpec(after.metadata),
      );
      for (const e of written) {
        expect([e.status, e.snapshotId, e.sequenceNumber, e.fileSequenceNumber]).toEqual([
          ManifestEntryStatus.EXISTING,
          ...(entriesBefore.get(e.dataFile.filePath)?.slice(1) ?? []),
        ]);
      }
    }
    expect(await entries(id)).toEqual(entriesBefore);

    expect(await content(id)).toEqual(rowsBefore);
    // pyiceberg still prunes spec 1's files by partition, and plans the same files as before.
    const euAfter = await scanWithPyiceberg(namespace, id.name, { filter: "region = 'eu'", rows: false });
    expect(euAfter.files).toEqual(euBefore.files);
    expect(euAfter.files.length).toBeLessThan(30);

    // Nothing left to do: no snapshot.
    const again = await rewriteManifests(catalog, io, id);
    expect(again).toMatchObject({ snapshotId: undefined, attempts: 0, manifestsKept: 2 });
    expect((await catalog.loadTable(id)).metadata.snapshots).toHaveLength(after.metadata.snapshots.length);
  });

  it('keeps an append that lands between planning and commit, and carries its offsets', async () => {
    const id = await table();
    await appends(id, 0, 11);
    const planned = await head(id);
    let concurrent: Awaited<ReturnType<typeof append>> | undefined;
    proxy.beforeNextCommit = async () => {
      concurrent = await append(id, [100, 101]);
    };
    const result = await rewriteManifests(proxy.catalog(), io, id, { summary: carry, minBackoffMs: 10 });
    expect(result).toMatchObject({
      attempts: 2,
      manifestsReplaced: 11,
      manifestsCreated: 1,
      manifestsKept: 1,
      entriesProcessed: 11,
    });

    const after = await head(id);
    expect(after.snapshot.parentSnapshotId).toBe(concurrent?.snapshotId);
    expect(after.snapshot.summary[OFFSETS]).toBe(offsets(102));
    const appended = readManifestList(
      await io.read(
        after.metadata.snapshots.find((s) => s.snapshotId === concurrent?.snapshotId)?.manifestList as string,
      ),
    )[0];
    // The rewritten manifest, then the append's as it committed it.
    expect(after.manifests).toHaveLength(2);
    expect(after.manifests[0]?.addedSnapshotId).toBe(result.snapshotId);
    expect(planned.manifests.map((m) => m.manifestPath)).not.toContain(after.manifests[0]?.manifestPath);
    expect(after.manifests[1]).toEqual(appended);
    expect(await ids(id)).toEqual([...range(0, 22), 100, 101]);
  });

  it('when another rewrite replaced its manifests first, plans again (finding nothing to do), leaving nothing behind', async () => {
    const id = await table();
    await appends(id, 0, 11);
    let winner: Awaited<ReturnType<typeof rewriteManifests>> | undefined;
    // The winner's files and the loser's first attempt (a manifest and a manifest list) are all there.
    let filesBefore = new Set<string>();
    proxy.beforeNextCommit = async () => {
      winner = await rewriteManifests(catalog, io, id, { summary: carry });
      filesBefore = await listTableFiles(io, (await catalog.loadTable(id)).metadata.location);
    };
    const loser = await rewriteManifests(proxy.catalog(), io, id, {
      summary: carry,
      minBackoffMs: 10,
      minReplanBackoffMs: 10,
    });
    expect(loser).toMatchObject({ snapshotId: undefined, plans: 2, manifestsKept: 1 });
    const after = await head(id);
    expect(after.snapshot.snapshotId).toBe(winner?.snapshotId);
    expect(after.metadata.snapshots.filter((s) => s.summary.operation === 'replace')).toHaveLength(1);
    const filesAfter = await listTableFiles(io, after.metadata.location);
    const removed = [...filesBefore].filter((f) => !filesAfter.has(f));
    expect([...filesAfter].filter((f) => !filesBefore.has(f))).toEqual([]);
    expect(removed).toHaveLength(2);
    const reached = await reachableFiles(io, after.metadata.snapshots, { entries: 'all' });
    for (const f of removed) expect(reached.manifestLists.has(f) || reached.manifests.has(f)).toBe(false);
    expect(await ids(id)).toEqual(range(0, 22));

    // With one plan only, the conflict is the caller's.
    await appends(id, 100, 11);
    proxy.beforeNextCommit = async () => void (await rewriteManifests(catalog, io, id));
    const once = rewriteManifests(proxy.catalog(), io, id, { minBackoffMs: 10, maxPlans: 1 });
    await expect(once).rejects.toThrow(RewriteConflictError);
    await expect(once).rejects.toThrow(/of the manifests to rewrite are no longer in the table/);
  });

  it("is no conflict when the next append drops a compaction's manifest of deleted entries before the commit", async () => {
    const id = await table();
    await appends(id, 0, 12);
    // A compaction of two appends' files leaves a manifest with only their DELETED entries beside 11
    // small live ones (its own and the ten other appends').
    const plan = await planCompaction(catalog, io, id, { summary: carry });
    const [group] = plan.groups;
    if (group === undefined) throw new Error('nothing planned');
    group.files = group.files.slice(0, 2);
    await runCompaction(catalog, io, plan);
    const compacted = await head(id);
    const dead = compacted.manifests.filter((m) => m.addedFilesCount + m.existingFilesCount === 0);
    expect(dead).toHaveLength(1);
    expect(compacted.manifests).toHaveLength(12);

    // An append lands between the rewrite's plan and its commit, and drops that manifest.
    proxy.beforeNextCommit = async () => void (await append(id, [100, 101]));
    const result = await rewriteManifests(proxy.catalog(), io, id, { summary: carry, minBackoffMs: 10 });
    expect(result).toMatchObject({
      plans: 1,
      attempts: 2,
      manifestsReplaced: 11,
      manifestsCreated: 1,
      manifestsKept: 1,
      entriesProcessed: 11,
    });
    const after = await head(id);
    expect(after.manifests).toHaveLength(2);
    expect(after.manifests.map((m) => m.manifestPath)).not.toContain(dead[0]?.manifestPath);
    expect(await ids(id)).toEqual([...range(0, 24), 100, 101]);
  });

  it('plans again when a compaction replaced one of its manifests between plan and commit', async () => {
    const id = await table();
    await appends(id, 0, 12);
    proxy.beforeNextCommit = async () => {
      const plan = await planCompaction(catalog, io, id, { summary: carry });
      const [group] = plan.groups;
      if (group === undefined) throw new Error('nothing planned');
      group.files = group.files.slice(0, 2);
      await runCompaction(catalog, io, plan);
    };
    const result = await rewriteManifests(proxy.catalog(), io, id, {
      summary: carry,
      minBackoffMs: 10,
      minReplanBackoffMs: 10,
    });
    // The second plan: the compaction's manifest and the ten appends' it left, into one.
    expect(result).toMatchObject({
      plans: 2,
      manifestsReplaced: 11,
      manifestsCreated: 1,
      entriesProcessed: 11,
    });
    const after = await head(id);
    expect(after.manifests).toHaveLength(1);
    // The compacted files stay gone: 11 live files hold the 24 rows.
    expect(await entries(id)).toHaveProperty('size', 11);
    expect(await ids(id)).toEqual(range(0, 24));
  });

  it('cuts the entries into manifests of the table’s commit.manifest.target-size-bytes', async () => {
    const id = await table();
    const { metadata } = await catalog.loadTable(id);
    await appends(id, 0, 12);
    // Room for a few entries beside the header (schemas, spec) each manifest repeats.
    const header = writeManifest({
      schema: currentSchema(metadata),
      spec: defaultSpec(metadata),
      entries: [],
    }).byteLength;
    const target = header + 600;
    await catalog.updateTable(
      id,
      [],
      [{ action: 'set-properties', updates: { [MANIFEST_TARGET_SIZE_PROPERTY]: String(target) } }],
    );

    const result = await rewriteManifests(catalog, io, id, { smallManifestBytes: 1 << 20 });
    const after = await head(id);
    expect(result.manifestsReplaced).toBe(12);
    expect(result.manifestsCreated).toBe(after.manifests.length);
    expect(after.manifests.length).toBeGreaterThan(1);
    expect(after.manifests.length).toBeLessThan(12);
    const counts = after.manifests.map((m) => m.existingFilesCount);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(12);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    for (const m of after.manifests) expect(Number(m.manifestLength)).toBeLessThanOrEqual(target);
    expect(await ids(id)).toEqual(range(0, 24));
  });
});
