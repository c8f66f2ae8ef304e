import { setTimeout as sleep } from 'node:timers/promises';
import { type Catalog, currentSnapshot, summaryTotals } from '@floe/iceberg';
import type { OffsetMap, OpenedPipeline } from '@floe/ingest';
import {
  ChangeTopic,
  expectEverySnapshotReadsRight,
  startPipeline,
  waitForTopic,
} from '@floe/ingest/testing/change-topic';
import { testAwsCredentials, testCatalog, testSpec, uniqueName } from '@floe/ingest/testing/stack';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestResult } from './connection-test';
import { runMaintenance } from './maintenance';

// Compaction under continuous upserts (real Kafka, REST catalog, S3): a keyed upsert pipeline commits
// every second — new rows and position deletes — while the agent's table.compact job runs again and
// again, applying the deletes. Every snapshot, the compactions' included, is then read by pyiceberg
// and by the Iceberg Java reference reader and must equal the latest state per key worked out here
// from the offsets in its summary; the compaction after the last upsert leaves no delete file.

const KEYS = 400;
const PRODUCE_SECONDS = 40;
const namespace = uniqueName('upsert_compact');
let pipeline: OpenedPipeline | undefined;

afterAll(async () => {
  await pipeline?.stop();
});

const upsert = (id: number, v: number) => ({
  key: String(id),
  value: JSON.stringify({ id, name: `n${id}`, v }),
  partition: id % 2,
});
const tombstone = (id: number) => ({ key: String(id), value: null, partition: id % 2 });

/** The latest state, worked out on its own: per key the last record below the offsets wins, a tombstone deletes. */
const stateOf = (topic: ChangeTopic) => (offsets: OffsetMap) => {
  const state = new Map<string, string>();
  for (const r of topic.below(offsets).flat()) {
    if (r.value === null) state.delete(r.key as string);
    else {
      const value = JSON.parse(r.value) as { id: number; v: number };
      state.set(String(value.id), `${value.id}:${value.v}`);
    }
  }
  return [...state.values()].sort();
};

async function deleteFigures(catalog: Catalog, id: { namespace: string[]; name: string }) {
  const { metadata } = await catalog.loadTable(id);
  return summaryTotals(currentSnapshot(metadata)?.summary ?? {});
}

describe('compaction under continuous upserts (real Kafka, REST catalog, S3; pyiceberg and Iceberg Java read)', () => {
  it(`applies the deletes of ${PRODUCE_SECONDS} s of upserts over ${KEYS} keys while they commit; every snapshot reads as the latest state`, {
    timeout: 20 * 60_000,
  }, async () => {
    const catalog = testCatalog();
    await catalog.createNamespace([namespace]);
    const topic = await ChangeTopic.create(uniqueName('upserts').replace('_', '-'), 2);
    const spec = testSpec([topic.name], namespace, 'accounts', { changes: { mode: 'upsert', key: ['id'] } });
    const id = { namespace: [namespace], name: 'accounts' };
    const job = {
      kind: 'table.compact' as const,
      table: {
        catalog: spec.table.catalog,
        namespace: [namespace],
        name: 'accounts',
        storage: spec.table.storage,
      },
      targetFileSizeBytes: 8 * 1024 * 1024,
      deleteRatio: 0.2,
    };
    const host = { resolveSecret: async () => '', awsCredentials: testAwsCredentials };

    pipeline = await startPipeline(spec);
    await topic.send(Array.from({ length: KEYS }, (_, i) => upsert(i, 0)));
    await waitForTopic(spec, topic);

    // Changes keep coming — 90% updates, 10% tombstones (a deleted key may come back) — while the
    // agent compacts the table every few seconds.
    let version = 0;
    let producing = true;
    const producer = (async () => {
      const until = Date.now() + PRODUCE_SECONDS * 1000;
      while (Date.now() < until) {
        version += 1;
        await topic.send(
          Array.from({ length: 60 }, () => {
            const key = Math.floor(Math.random() * KEYS);
            return Math.random() < 0.1 ? tombstone(key) : upsert(key, version);
          }),
        );
        await sleep(250);
      }
      producing = false;
    })();
    const compactions: TestResult[] = [];
    while (producing) {
      await sleep(4000);
      compactions.push(await runMaintenance(job, host));
    }
    await producer;
    // A last wave after the last compaction: its deletes are what the next one finds.
    await topic.send(Array.from({ length: 50 }, (_, i) => upsert(i, version + 1)));
    await waitForTopic(spec, topic);

    // Every compaction while changes came finished its data-file step, most applied deletes, and
    // ingest kept committing after them.
    const rewritten = compactions.filter((c) => c.filesOutcome === 'rewritten');
    expect(compactions.map((c) => c.filesOutcome).filter((o) => o === 'failed')).toEqual([]);
    expect(rewritten.length).toBeGreaterThanOrEqual(3);
    expect(rewritten.filter((c) => Number(c.deleteFilesRemoved) > 0).length).toBeGreaterThanOrEqual(3);
    expect(rewritten.reduce((n, c) => n + Number(c.deletedRowsRemoved), 0)).toBeGreaterThan(0);
    const before = await deleteFigures(catalog, id);
    expect(before?.deleteFiles).toBeGreaterThan(0);

    // Once the changes stop, one compaction leaves the table without a delete file.
    const last = await runMaintenance(job, host);
    expect(last).toMatchObject({ filesOutcome: 'rewritten', deleteFilesAfter: 0, deletedRowsAfter: 0 });
    expect(await deleteFigures(catalog, id)).toMatchObject({ deleteFiles: 0, positionDeletes: 0 });

    await pipeline.stop();
    pipeline = undefined;
    await topic.close();
    const { metadata } = await catalog.loadTable(id);
    const replaces = metadata.snapshots.filter((s) => s.summary.operation === 'replace');
    expect(replaces.length).toBeGreaterThanOrEqual(rewritten.length + 1);
    const final = await expectEverySnapshotReadsRight(
      spec,
      ['id', 'v'],
      (r) => `${String(r.id).slice(2)}:${String(r.v).slice(2)}`,
      stateOf(topic),
    );
    expect(final.length).toBeGreaterThan(KEYS / 2);
    console.log(
      `upsert compaction: ${metadata.snapshots.length} snapshots (${replaces.length} compactions, ${compactions.reduce((n, c) => n + Number(c.filesPlans ?? 0), 0) - compactions.length} re-plans), ${final.length} live keys, every snapshot read right by pyiceberg and Iceberg Java`,
    );
  });
});
