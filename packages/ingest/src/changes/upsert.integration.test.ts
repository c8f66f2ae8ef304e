import { afterAll, describe, expect, it } from 'vitest';
import type { OffsetMap } from '../commit/offsets';
import { nativeEngineStatus } from '../engine/native-module';
import type { OpenedPipeline } from '../pipeline/open-pipeline';
import {
  ChangeTopic,
  expectEverySnapshotReadsRight,
  startPipeline,
  waitForTopic,
} from '../testing/change-topic';
import { testCatalog, testSpec, uniqueName } from '../testing/stack';

const namespace = uniqueName('upsert');
// Each engine this machine has: both hand the rows of a commit's changes to the same key read-back.
const engines = nativeEngineStatus().available ? (['native', 'portable'] as const) : (['portable'] as const);
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
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

// Deletion vectors (the default) with each engine; equality deletes, an explicit option, with one.
const cases = [
  ...engines.map((engine) => [engine, 'deletion-vectors'] as const),
  ['portable', 'equality-deletes'] as const,
];

describe('upsert: the latest value per key, tombstones delete, every snapshot reads right', () => {
  it.each(cases)(
    '%s engine, %s: updates, tombstones, re-inserts and repeated keys in one commit; restart reads the table again',
    {
      timeout: 300_000,
    },
    async (engine, deletes) => {
      const ns = `${namespace}_${engine}_${deletes.split('-')[0]}`;
      await testCatalog().createNamespace([ns]);
      const topic = await ChangeTopic.create(uniqueName('changes').replace('_', '-'), 2);
      const spec = testSpec([topic.name], ns, 'accounts', {
        changes: { mode: 'upsert', key: ['id'], deletes },
        engine,
      });
      /** Worked out here on its own: per key the last record wins, a tombstone deletes, a keyless record changes nothing. */
      const expected = (offsets: OffsetMap) => {
        const state = new Map<string, string>();
        for (const r of topic.below(offsets).flat()) {
          if (r.value === null) {
            if (r.key !== null) state.delete(r.key);
            continue;
          }
          const value = JSON.parse(r.value) as { id?: number; v: number };
          if (value.id !== undefined) state.set(String(value.id), `${value.id}:${value.v}`);
        }
        return [...state.values()].sort();
      };

      pipeline = await startPipeline(spec);
      await topic.send(range(0, 60).map((id) => upsert(id, 1)));
      await waitForTopic(spec, topic);
      await topic.send([
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
      await waitForTopic(spec, topic);
      // A new pipeline process: its key index is read again from the table.
      await pipeline.stop();
      pipeline = await startPipeline(spec);
      await topic.send([
        ...range(0, 10).map((id) => upsert(id, 6)),
        ...range(20, 25).map((id) => upsert(id, 7)),
        ...range(40, 45).map(tombstone),
      ]);
      await waitForTopic(spec, topic);
      await pipeline.stop();
      pipeline = undefined;
      await topic.close();

      const final = await expectEverySnapshotReadsRight(
        spec,
        ['id', 'v'],
        (r) => `${String(r.id).slice(2)}:${String(r.v).slice(2)}`,
        expected,
      );
      // 60 inserted, 20-29 deleted, 60-69 inserted, 20-24 back, 40-44 deleted.
      expect(final).toHaveLength(60);
      expect(final).toContain('35:5');
      expect(final).toContain('0:6');
      expect(final).not.toContain('42:1');
      // Keys of the first file updated in two commits: its deletion vector was merged and the old one removed.
      const { metadata } = await testCatalog().loadTable({
        namespace: spec.table.namespace,
        name: spec.table.name,
      });
      const merged = metadata.snapshots.some((s) => Number(s.summary['removed-delete-files'] ?? 0) > 0);
      expect(merged).toBe(deletes === 'deletion-vectors');
    },
  );
});
