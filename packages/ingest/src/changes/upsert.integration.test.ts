import { currentSnapshot, setTag } from '@floe/iceberg';
import { scanWithPyiceberg } from '@floe/iceberg/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { offsetsAt, tpKey } from '../commit/offsets';
import { SchemalessJsonDecoder } from '../decode/schemaless-json';
import { type OpenedPipeline, openPipeline } from '../pipeline/open-pipeline';
import {
  createTopic,
  testAwsCredentials,
  testCatalog,
  testKafka,
  testSpec,
  uniqueName,
  waitForCommitted,
} from '../testing/stack';

const kafka = testKafka();
const catalog = testCatalog();
const namespace = uniqueName('upsert');
let pipeline: OpenedPipeline | undefined;

afterAll(async () => {
  await pipeline?.stop();
});

/** A record as produced: its partition's offsets are its place in `produced[partition]` (a fresh topic). */
interface Produced {
  key: string | null;
  value: string | null;
}

/**
 * The table the records below the offsets should leave, worked out here on its own: per key the last
 * record wins, a tombstone deletes, a record without a usable key changes nothing.
 */
function expectedState(
  produced: Produced[][],
  offsets: ReadonlyMap<string, bigint>,
  topic: string,
): string[] {
  const state = new Map<string, string>();
  produced.forEach((records, partition) => {
    const end = Number(offsets.get(tpKey(topic, partition)) ?? 0n);
    for (const r of records.slice(0, end)) {
      if (r.value === null) {
        if (r.key !== null) state.delete(r.key);
        continue;
      }
      const value = JSON.parse(r.value) as { id?: number; v: number };
      if (value.id === undefined) continue;
      state.set(String(value.id), `${value.id}:${value.v}`);
    }
  });
  return [...state.values()].sort();
}

const tableRows = (rows: Record<string, unknown>[]) =>
  rows.map((r) => `${String(r.id).slice(2)}:${String(r.v).slice(2)}`).sort();

describe('upsert: the latest value per key, tombstones delete, every snapshot reads right in pyiceberg', () => {
  it('updates, tombstones, re-inserts and repeated keys in one commit; restart rebuilds the key index', {
    timeout: 300_000,
  }, async () => {
    await catalog.createNamespace([namespace]);
    const topic = uniqueName('changes').replace('_', '-');
    await createTopic(kafka, topic, 2);
    const producer = kafka.producer();
    await producer.connect();
    const produced: Produced[][] = [[], []];
    const send = async (records: (Produced & { partition: number })[]) => {
      for (const r of records) produced[r.partition]?.push({ key: r.key, value: r.value });
      await producer.send({ topic, messages: records });
    };
    const upsert = (id: number, v: number) => ({
      key: String(id),
      value: JSON.stringify({ id, name: `n${id}`, v }),
      partition: id % 2,
    });
    const tombstone = (id: number) => ({ key: String(id), value: null, partition: id % 2 });
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    const total = () => produced.reduce((n, p) => n + p.length, 0);

    const spec = testSpec([topic], namespace, 'accounts', {
      changes: { mode: 'upsert', key: ['id'] },
      engine: 'portable',
    });
    const open = async () => {
      pipeline = await openPipeline(spec, {
        decoder: new SchemalessJsonDecoder(),
        resolveSecret: async () => '',
        awsCredentials: testAwsCredentials,
      });
      await pipeline.start();
    };
    await open();

    await send(range(0, 60).map((id) => upsert(id, 1)));
    await waitForCommitted(catalog, namespace, ['accounts'], spec.id, total());
    await send([
      ...range(0, 20).map((id) => upsert(id, 2)),
      ...range(20, 30).map(tombstone),
      ...range(30, 35).flatMap((id) => [upsert(id, 3), upsert(id, 4)]),
      tombstone(35),
      upsert(35, 5),
      ...range(60, 70).map((id) => upsert(id, 1)),
      // Rejected, changing nothing: a value without the key field, a tombstone without a key.
      { key: 'x', value: JSON.stringify({ name: 'no id', v: 9 }), partition: 0 },
      { key: null, value: null, partition: 1 },
    ]);
    await waitForCommitted(catalog, namespace, ['accounts'], spec.id, total());
    // A new pipeline process: its key index is read again from the table.
    await pipeline?.stop();
    await open();
    await send([
      ...range(0, 10).map((id) => upsert(id, 6)),
      ...range(20, 25).map((id) => upsert(id, 7)),
      ...range(40, 45).map(tombstone),
    ]);
    await waitForCommitted(catalog, namespace, ['accounts'], spec.id, total());
    await pipeline?.stop();
    pipeline = undefined;
    await producer.disconnect();

    // Every snapshot, tagged and read by pyiceberg, holds exactly the state its offsets promise.
    const id = { namespace: [namespace], name: 'accounts' };
    const table = await catalog.loadTable(id);
    const deletes = table.metadata.snapshots.filter(
      (s) => Number(s.summary['added-position-deletes'] ?? 0) > 0,
    );
    expect(deletes.length).toBeGreaterThan(0);
    for (const snapshot of table.metadata.snapshots) {
      const tag = `s${snapshot.snapshotId}`;
      await setTag(catalog, id, tag, snapshot.snapshotId);
      const scan = await scanWithPyiceberg([namespace], 'accounts', { ref: tag, select: ['id', 'v'] });
      const offsets = offsetsAt(table.metadata, snapshot, spec.id);
      expect(tableRows(scan.rows), `snapshot ${snapshot.snapshotId}`).toEqual(
        expectedState(produced, offsets, topic),
      );
    }
    const final = expectedState(
      produced,
      offsetsAt(table.metadata, currentSnapshot(table.metadata), spec.id),
      topic,
    );
    // 60 inserted, 20-29 deleted, 60-69 inserted, 20-24 back, 40-44 deleted.
    expect(final).toHaveLength(60);
    expect(final).toContain('35:5');
    expect(final).toContain('0:6');
    expect(final).not.toContain('42:1');
  });
});
