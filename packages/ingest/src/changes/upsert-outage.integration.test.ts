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
import { tcpProxy } from '../testing/tcp-proxy';

// The catalog goes away while changes keep coming: commits fail with their data files already stored,
// later changes replace rows of those files (deleted by position in the same snapshot once it lands),
// and every snapshot still reads exactly right.

const namespace = uniqueName('upsert_outage');
const proxies: Awaited<ReturnType<typeof tcpProxy>>[] = [];
let pipeline: OpenedPipeline | undefined;

afterAll(async () => {
  await pipeline?.stop();
  await Promise.all(proxies.map((p) => p.close()));
});

const upsert = (id: number, v: number) => ({
  key: String(id),
  value: JSON.stringify({ id, v }),
  partition: id % 2,
});

describe('upsert while the catalog is down', () => {
  it('changes to rows written for a commit that failed replace them when it lands', {
    timeout: 300_000,
  }, async () => {
    const uri = new URL(process.env.FLOE_ICEBERG_REST_URI as string);
    const catalogProxy = await tcpProxy({ host: uri.hostname, port: Number(uri.port) });
    proxies.push(catalogProxy);
    await testCatalog().createNamespace([namespace]);
    const topic = await ChangeTopic.create(uniqueName('outage').replace('_', '-'), 2);
    const base = testSpec([topic.name], namespace, 'balances', {
      // Format v2 position delete files, still offered for readers without v3.
      changes: { mode: 'upsert', key: ['id'], deletes: 'position-deletes' },
    });
    const spec = {
      ...base,
      table: {
        ...base.table,
        catalog: {
          type: 'rest' as const,
          uri: `http://127.0.0.1:${catalogProxy.port}`,
          warehouse: 'warehouse',
        },
      },
    };
    const expected = (offsets: OffsetMap) => {
      const state = new Map<number, string>();
      for (const r of topic.below(offsets).flat()) {
        const { id, v } = JSON.parse(r.value as string) as { id: number; v: number };
        state.set(id, `${id}:${v}`);
      }
      return [...state.values()].sort();
    };

    pipeline = await startPipeline(spec);
    await topic.send(Array.from({ length: 40 }, (_, id) => upsert(id, 0)));
    await waitForTopic(spec, topic);
    await catalogProxy.down();
    // Three waves over the same keys, each after a commit interval or more: each commit fails.
    for (let wave = 1; wave <= 3; wave += 1) {
      await topic.send(Array.from({ length: 20 }, (_, id) => upsert(id * 2, wave)));
      await new Promise((r) => setTimeout(r, 2500));
    }
    await catalogProxy.up();
    await waitForTopic(spec, topic);
    const errors = pipeline.runner.metrics.commitErrors;
    await pipeline.stop();
    pipeline = undefined;
    await topic.close();

    expect(errors).toBeGreaterThan(1);
    const final = await expectEverySnapshotReadsRight(
      spec,
      ['id', 'v'],
      (r) => `${String(r.id).slice(2)}:${String(r.v).slice(2)}`,
      expected,
    );
    expect(final).toHaveLength(40);
    expect(final.filter((s) => s.endsWith(':3'))).toHaveLength(20);
  });
});
