import { afterAll, describe, expect, it } from 'vitest';
import type { OffsetMap } from '../commit/offsets';
import type { OpenedPipeline } from '../pipeline/open-pipeline';
import {
  ChangeTopic,
  expectEverySnapshotReadsRight,
  startPipeline,
  waitForTopic,
} from '../testing/change-topic';
import { testCatalog, testSpec, uniqueName } from '../testing/stack';

const namespace = uniqueName('cdc');
let pipeline: OpenedPipeline | undefined;

afterAll(async () => {
  await pipeline?.stop();
});

type Image = { id: number; name: string; v: number } | null;
let lsn = 1000;

/** A Debezium event as its JSON converter writes it (wrapped in schema/payload when asked). */
function event(op: string, before: Image, after: Image, wrapped = false) {
  const id = (after ?? before)?.id ?? 0;
  lsn += 1;
  const payload = {
    before,
    after,
    op,
    source: { connector: 'postgresql', ts_ms: 1764900000000 + lsn, lsn },
    ts_ms: 1,
  };
  return {
    key: JSON.stringify({ id }),
    value: JSON.stringify(wrapped ? { schema: { type: 'struct' }, payload } : payload),
    partition: id % 2,
  };
}
const row = (id: number, v: number): Image => ({ id, name: `n${id}`, v });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('cdc: Debezium change events in JSON; every snapshot reads right in pyiceberg', () => {
  it('a snapshot phase, inserts, updates, a key change, deletes with tombstones and a bad event', {
    timeout: 300_000,
  }, async () => {
    await testCatalog().createNamespace([namespace]);
    const topic = await ChangeTopic.create(uniqueName('dbz').replace('_', '-'), 2);
    const spec = testSpec([topic.name], namespace, 'customers', {
      changes: { mode: 'cdc', key: ['id'] },
      engine: 'portable',
    });
    /** Worked out here on its own from the events: after images are the rows, d and tombstones delete. */
    const expected = (offsets: OffsetMap) => {
      const state = new Map<number, string>();
      for (const r of topic.below(offsets).flat()) {
        if (r.value === null) {
          state.delete((JSON.parse(r.key as string) as { id: number }).id);
          continue;
        }
        const parsed = JSON.parse(r.value) as { payload?: unknown };
        const e = (parsed.payload ?? parsed) as { op: string; before: Image; after: Image };
        if (!['c', 'r', 'u', 'd'].includes(e.op)) continue;
        if (e.before !== null && e.before.id !== e.after?.id) state.delete(e.before.id);
        if (e.after !== null) state.set(e.after.id, `${e.after.id}:${e.after.v}`);
      }
      return [...state.values()].sort();
    };

    pipeline = await startPipeline(spec);
    await topic.send(range(0, 30).map((id) => event('r', null, row(id, 1))));
    await waitForTopic(spec, topic);
    await topic.send([
      ...range(30, 40).map((id) => event('c', null, row(id, 1), id % 3 === 0)),
      ...range(0, 10).map((id) => event('u', row(id, 1), row(id, 2))),
      // The key of 10 changes to 110 (one event), and of 12 to 112 as Debezium emits it by default.
      event('u', row(10, 1), row(110, 3)),
      event('d', row(12, 1), null),
      { key: JSON.stringify({ id: 12 }), value: null, partition: 0 },
      event('c', null, row(112, 3)),
      ...range(20, 25).flatMap((id) => [
        event('d', row(id, 1), null, true),
        { key: JSON.stringify({ id }), value: null, partition: id % 2 },
      ]),
      // Rejected (bad-change), changing nothing.
      { key: JSON.stringify({ id: 1 }), value: JSON.stringify({ op: 'x', after: row(1, 9) }), partition: 1 },
    ]);
    await waitForTopic(spec, topic);
    await topic.send([
      ...range(0, 4).map((id) => event('u', row(id, 2), row(id, 4))),
      event('r', null, row(20, 5)),
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
    expect(final).toContain('110:3');
    expect(final).toContain('112:3');
    expect(final).toContain('0:4');
    expect(final).toContain('20:5');
    expect(final.some((s) => s.startsWith('10:') || s.startsWith('12:') || s.startsWith('21:'))).toBe(false);
    // 40 rows, 10 and 12 renamed, 20-24 deleted, 20 read again.
    expect(final).toHaveLength(36);
  });
});
