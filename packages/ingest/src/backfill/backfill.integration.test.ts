import { branchHead } from '@floe/iceberg';
import { scanWithPyiceberg } from '@floe/iceberg/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { tableOffsets } from '../commit/offsets';
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
import { Backfill, type BackfillProgress, backfillBranch } from './backfill-runner';
import { abortBackfill, cutover } from './cutover';
import { validateBackfill } from './validate';

// A backfill beside a live pipeline that keeps committing every second while records keep coming:
// killed halfway and resumed from its branch, validated from its data files, published in one commit
// while main is read continuously (every head seen holds exactly the records its offsets say), after
// which pyiceberg finds every record of the topic in main once. FLOE_BACKFILL_RECORDS sets the size.

const kafka = testKafka();
const catalog = testCatalog();
const namespace = uniqueName('backfill');
const PARTITIONS = 3;
const RECORDS = Number(process.env.FLOE_BACKFILL_RECORDS ?? 20_000);
const opened: OpenedPipeline[] = [];
const logs: string[] = [];
const host = {
  log: (level: string, message: string, fields?: Record<string, unknown>) =>
    void logs.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
  decoder: new SchemalessJsonDecoder(),
  resolveSecret: async () => '',
  awsCredentials: testAwsCredentials,
};

const mark = (step: string) => logs.push(`${new Date().toISOString()} step: ${step}`);

afterAll(async () => {
  console.log(logs.join('\n'));
  await Promise.allSettled(opened.map((p) => p.stop()));
});

async function produce(topic: string, from: number, count: number) {
  const producer = kafka.producer();
  await producer.connect();
  for (let at = 0; at < count; at += 5000) {
    const n = Math.min(5000, count - at);
    await producer.send({
      topic,
      messages: Array.from({ length: n }, (_, i) => ({
        value: JSON.stringify({ seq: from + at + i, note: `record ${from + at + i}` }),
        partition: (from + at + i) % PARTITIONS,
      })),
    });
  }
  await producer.disconnect();
}

describe('backfill into a branch, validate, cut over (real Kafka, REST catalog, S3; pyiceberg reads back)', () => {
  it('rebuilds the table beside the live pipeline, resumes after a kill, and publishes it atomically', {
    timeout: 300_000,
  }, async () => {
    await catalog.createNamespace([namespace]);
    const topic = uniqueName('events').replace('_', '-');
    await createTopic(kafka, topic, PARTITIONS);
    const spec = testSpec([topic], namespace, 'events');
    const id = { namespace: [namespace], name: 'events' };
    const live = async () => {
      const p = await openPipeline(spec, host);
      opened.push(p);
      await p.start();
      return p;
    };
    await produce(topic, 0, RECORDS);
    let pipeline = await live();
    await waitForCommitted(catalog, namespace, ['events'], spec.id, RECORDS);

    // Live traffic all along: 50 records every 100 ms.
    let produced = RECORDS;
    let producing = true;
    const traffic = (async () => {
      while (producing) {
        await produce(topic, produced, 50);
        produced += 50;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    // Main read continuously: every head holds exactly the records its offsets say (never a partial state).
    const heads = new Map<bigint, { records: bigint; offsets: bigint }>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const { metadata } = await catalog.loadTable(id);
        const head = branchHead(metadata, 'main');
        if (head !== undefined && !heads.has(head.snapshotId)) {
          const offsets = [...tableOffsets(metadata, spec.id).values()].reduce((a, b) => a + b, 0n);
          heads.set(head.snapshotId, { records: BigInt(head.summary['total-records'] ?? -1), offsets });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    // The first run is capped and waits while the live pipeline "lags", then is killed after a commit.
    let lagging = true;
    setTimeout(() => {
      lagging = false;
    }, 1500);
    const seen: BackfillProgress[] = [];
    const first = await Backfill.open(
      spec,
      {
        backfillId: 'b1',
        start: 'earliest',
        end: 'now',
        maxRecordsPerSecond: RECORDS / 4,
        commitIntervalMs: 500,
        maxLiveLagRecords: 1000,
      },
      { ...host, liveLag: () => (lagging ? 5000 : 0), progress: (p) => seen.push(p) },
    );
    const range = await first.prepare();
    const total = [...range.end].reduce((n, [key, end]) => n + end - (range.start.get(key) ?? end), 0n);
    expect(total).toBeGreaterThanOrEqual(BigInt(RECORDS));
    void first.run().catch(() => {});
    const deadline = Date.now() + 120_000;
    while (!seen.some((p) => p.snapshotId !== null && p.records > 0) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    mark('stopping the first run');
    await first.stop();
    const killedAt = seen.at(-1) as BackfillProgress;
    expect(killedAt.records).toBeLessThan(Number(total));
    expect(killedAt.backedOffSeconds).toBeGreaterThanOrEqual(1);
    // The live pipeline's group and main are untouched by the backfill.
    expect((await catalog.loadTable(id)).metadata.refs[backfillBranch('b1')]).toBeDefined();

    mark('resuming');
    const resumed = await Backfill.open(spec, { backfillId: 'b1', start: 'earliest', end: 'now' }, host);
    const again = await resumed.prepare();
    expect(again.end).toEqual(range.end);
    const done = await resumed.run();
    expect(done.records).toBe(Number(total));
    expect(done.etaSeconds).toBe(0);

    mark('validating');
    const validation = await validateBackfill(catalog, pipeline.io, id, 'b1');
    expect(validation.schemaProblems).toEqual([]);
    expect(validation.partitions.map((p) => p.rows - p.offsets)).toEqual([0, 0, 0]);
    expect(validation.ok).toBe(true);

    mark('cutting over');
    const outcome = await cutover(spec, 'b1', host, async () => {
      await pipeline.stop();
      return async () => {
        pipeline = await live();
      };
    });
    expect(outcome.validation.ok).toBe(true);
    const after = (await catalog.loadTable(id)).metadata;
    expect(after.currentSnapshotId).toBe(outcome.snapshotId);
    expect(after.refs[backfillBranch('b1')]).toBeUndefined();
    expect(branchHead(after, 'main')?.summary['floe.backfill.cutover']).toBe('b1');

    // An aborted backfill leaves main as it was.
    const aborted = await Backfill.open(spec, { backfillId: 'b2', start: 'earliest', end: 'now' }, host);
    await aborted.prepare();
    const mainBefore = (await catalog.loadTable(id)).metadata.refs.main;
    await abortBackfill(spec, 'b2', host);
    const afterAbort = (await catalog.loadTable(id)).metadata;
    expect(afterAbort.refs[backfillBranch('b2')]).toBeUndefined();
    expect(afterAbort.refs.main).toEqual(mainBefore);

    mark('stopping traffic');
    producing = false;
    await traffic;
    await waitForCommitted(catalog, namespace, ['events'], spec.id, produced);
    await pipeline.stop();
    watching = false;
    await watcher;
    for (const [snapshot, seenHead] of heads)
      expect({ snapshot, ...seenHead }).toEqual({
        snapshot,
        records: seenHead.offsets,
        offsets: seenHead.offsets,
      });
    expect([...heads.keys()]).toContain(outcome.snapshotId);

    mark('scanning');
    const scan = await scanWithPyiceberg([namespace], 'events', { select: ['seq', '_kafka'] });
    const coordinates = scan.rows.map((r) => {
      const k = r._kafka as { partition: string; offset: string };
      return `${String(k.partition).replace(/^i:/, '')}/${String(k.offset).replace(/^i:/, '')}`;
    });
    expect(scan.rows).toHaveLength(produced);
    expect(new Set(coordinates).size).toBe(produced);
    const seqs = new Set(scan.rows.map((r) => Number(String(r.seq).replace(/^i:/, ''))));
    expect(seqs.size).toBe(produced);
  });
});
