import { branchHead, liveDataFiles, type TableMetadata, transformToString } from '@floe/iceberg';
import { readWithPyiceberg, scanWithPyiceberg } from '@floe/iceberg/testing';
import type { PipelineSpec } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableOffsets } from '../commit/offsets';
import { SchemalessJsonDecoder } from '../decode/schemaless-json';
import { type OpenedPipeline, openPipeline } from '../pipeline/open-pipeline';
import { openTableAccess } from '../pipeline/table-access';
import {
  createTopic,
  testAwsCredentials,
  testCatalog,
  testKafka,
  testSpec,
  uniqueName,
  waitForCommitted,
} from '../testing/stack';
import { Backfill, type BackfillProgress, backfillBranch, SPEC_KEY } from './backfill-runner';
import { abortBackfill, cutover } from './cutover';
import { validateBackfill } from './validate';

// A backfill beside a live pipeline that commits every 2 s while records keep coming: killed halfway
// and resumed from its branch (backing off while the live pipeline lags), validated from its data
// files, published in one commit while main is read continuously (every head seen holds exactly the
// records its offsets say), after which pyiceberg finds every record of the topic in main once, by
// partition and offset. All along, the live table's freshness (how long the oldest record not yet in
// main has waited since it was produced) stays within its SLO. FLOE_BACKFILL_RECORDS sets the size
// (npm run test:chaos: 500,000).

const kafka = testKafka();
const catalog = testCatalog();
const namespace = uniqueName('backfill');
const PARTITIONS = 3;
const RECORDS = Number(process.env.FLOE_BACKFILL_RECORDS ?? 20_000);
const FRESHNESS_SLO_SECONDS = 30;
/** The resumed run's rate cap (unset: as fast as it goes); the long run spreads it over many live commits. */
const RATE = process.env.FLOE_BACKFILL_RECORDS_PER_SECOND;
/** The resumed run waits while the live pipeline is this many records behind (its traffic is 500/s). */
const MAX_LIVE_LAG_RECORDS = 3000;
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

beforeAll(() => catalog.createNamespace([namespace]));

afterAll(async () => {
  console.log(logs.join('\n'));
  await Promise.allSettled(opened.map((p) => p.stop()));
});

/** Starts the spec's live pipeline. */
async function startLive(spec: PipelineSpec): Promise<OpenedPipeline> {
  const p = await openPipeline(spec, host);
  opened.push(p);
  await p.start();
  return p;
}

const DAY_MS = 86_400_000;
const FIRST_DAY_MS = Date.UTC(2026, 0, 1);
/** Record `seq`'s time (epoch ms): on one of three days, by seq. */
const recordTime = (seq: number) => FIRST_DAY_MS + (seq % 3) * DAY_MS + seq * 1000;

async function produce(topic: string, from: number, count: number) {
  const producer = kafka.producer();
  await producer.connect();
  for (let at = 0; at < count; at += 5000) {
    const n = Math.min(5000, count - at);
    await producer.send({
      topic,
      messages: Array.from({ length: n }, (_, i) => ({
        value: JSON.stringify({
          seq: from + at + i,
          note: `record ${from + at + i}`,
          ts: recordTime(from + at + i),
        }),
        partition: (from + at + i) % PARTITIONS,
      })),
    });
  }
  await producer.disconnect();
}

describe('backfill into a branch, validate, cut over (real Kafka, REST catalog, S3; pyiceberg reads back)', () => {
  it('rebuilds the table beside the live pipeline, resumes after a kill, and publishes it atomically', {
    timeout: 300_000 + RECORDS * 2,
  }, async () => {
    const topic = uniqueName('events').replace('_', '-');
    await createTopic(kafka, topic, PARTITIONS);
    const spec = testSpec([topic], namespace, 'events', { commit: { intervalSeconds: 2 } });
    const id = { namespace: [namespace], name: 'events' };
    const live = () => startLive(spec);
    await produce(topic, 0, RECORDS);
    let pipeline = await live();
    await waitForCommitted(catalog, namespace, ['events'], spec.id, RECORDS, 120_000 + RECORDS);

    // Live traffic all along: 50 records every 100 ms, each send's time noted for the freshness.
    let produced = RECORDS;
    let producing = true;
    const sent: { count: number; atMs: number }[] = [];
    const traffic = (async () => {
      while (producing) {
        const atMs = Date.now();
        await produce(topic, produced, 50);
        produced += 50;
        sent.push({ count: produced, atMs });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    /** Seconds the oldest record not in main (holding `committed` records) has waited; 0 when none waits. */
    const freshness = (committed: bigint, nowMs: number) => {
      const waiting = sent.find((s) => BigInt(s.count) > committed);
      return waiting === undefined ? 0 : (nowMs - waiting.atMs) / 1000;
    };
    let worstFreshness = 0;

    // Main read continuously: every head's scan (the data files its manifests list) holds exactly the
    // records its offsets say, never a partial state.
    const { io } = await openTableAccess(spec.table, host);
    const heads = new Map<bigint, { records: bigint; offsets: bigint }>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const { metadata } = await catalog.loadTable(id);
        const head = branchHead(metadata, 'main');
        const offsets = [...tableOffsets(metadata, spec.id).values()].reduce((a, b) => a + b, 0n);
        if (head !== undefined && !heads.has(head.snapshotId)) {
          const files = await liveDataFiles(io, metadata, head);
          heads.set(head.snapshotId, {
            records: files.reduce((n, f) => n + f.file.recordCount, 0n),
            offsets,
          });
        }
        worstFreshness = Math.max(worstFreshness, freshness(offsets, Date.now()));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    // The first run is capped and waits while the live pipeline "lags", then is killed after a commit.
    // The live pipeline "lags" for 1.5 s from the backfill's first look at it (not from a clock started
    // before the backfill opened: on a busy machine opening can take that long).
    let lagUntil: number | undefined;
    const liveLag = () => {
      lagUntil ??= Date.now() + 1500;
      return Date.now() < lagUntil ? 5000 : 0;
    };
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
      { ...host, liveLag, progress: (p) => seen.push(p) },
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
    const resumed = await Backfill.open(
      spec,
      {
        backfillId: 'b1',
        start: 'earliest',
        end: 'now',
        maxLiveLagRecords: MAX_LIVE_LAG_RECORDS,
        ...(RATE !== undefined && { maxRecordsPerSecond: Number(RATE) }),
      },
      { ...host, liveLag: () => Number(pipeline.runner.metrics.lagRecords()) },
    );
    const again = await resumed.prepare();
    expect(again.end).toEqual(range.end);
    const backfillStartedAt = Date.now();
    const headsBefore = heads.size;
    const done = await resumed.run();
    const backfillSeconds = (Date.now() - backfillStartedAt) / 1000;
    const liveCommitsDuringBackfill = heads.size - headsBefore;
    expect(done.records).toBe(Number(total));
    expect(done.etaSeconds).toBe(0);
    const freshnessDuringBackfill = worstFreshness;

    mark('validating');
    const validation = await validateBackfill(catalog, pipeline.io, id, 'b1');
    expect(validation.schemaProblems).toEqual([]);
    expect(validation.partitions.map((p) => p.rows - p.offsets)).toEqual([0, 0, 0]);
    expect(validation.ok).toBe(true);

    mark('cutting over');
    const cutoverStartedAt = Date.now();
    const outcome = await cutover(spec, 'b1', host, async () => {
      await pipeline.stop();
      return async () => {
        pipeline = await live();
      };
    });
    const cutoverSeconds = (Date.now() - cutoverStartedAt) / 1000;
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

    logs.push(
      `figures: ${RECORDS} records backfilled in ${backfillSeconds} s (${done.backedOffSeconds} s backed off) while main took ${liveCommitsDuringBackfill} live commits, ` +
        `cutover ${cutoverSeconds} s in ${outcome.attempts} attempt(s), ${heads.size} heads of main scanned, ` +
        `worst freshness ${freshnessDuringBackfill} s during the backfill and ${worstFreshness} s in all (SLO ${FRESHNESS_SLO_SECONDS} s)`,
    );
    expect(worstFreshness).toBeLessThanOrEqual(FRESHNESS_SLO_SECONDS);
    // The live pipeline kept committing beside the backfill (every 2 s; at least every 4 s here).
    expect(liveCommitsDuringBackfill).toBeGreaterThanOrEqual(Math.floor(backfillSeconds / 4));

    mark('scanning');
    const scan = await scanWithPyiceberg([namespace], 'events', {
      select: ['seq', '_kafka.partition', '_kafka.offset'],
    });
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

describe('a re-partitioning backfill (real Kafka, REST catalog, S3; pyiceberg reads back)', () => {
  it('rebuilds an unpartitioned table by day(ts) beside main, and main and its live commits take the new spec at the cutover', {
    timeout: 120_000,
  }, async () => {
    const topic = uniqueName('daily').replace('_', '-');
    await createTopic(kafka, topic, PARTITIONS);
    const spec = testSpec([topic], namespace, 'daily', {
      mapping: { timestamps: [{ field: 'ts', format: 'epoch-ms' }] },
    });
    const id = { namespace: [namespace], name: 'daily' };
    const { io } = await openTableAccess(spec.table, host);
    const specsOf = async (metadata: TableMetadata, ref: string) =>
      new Set((await liveDataFiles(io, metadata, branchHead(metadata, ref))).map((f) => f.specId));
    await produce(topic, 0, 300);
    let pipeline = await startLive(spec);
    await waitForCommitted(catalog, namespace, ['daily'], spec.id, 300);

    const backfill = await Backfill.open(
      spec,
      { backfillId: 'r1', start: 'earliest', end: 'now', partitionBy: [{ source: 'ts', transform: 'day' }] },
      host,
    );
    await backfill.prepare();
    await produce(topic, 300, 30);
    await backfill.run();
    await waitForCommitted(catalog, namespace, ['daily'], spec.id, 330);
    const during = (await catalog.loadTable(id)).metadata;
    const daySpec = during.partitionSpecs.find((s) => s.fields.length > 0);
    if (daySpec === undefined) throw new Error('no day(ts) spec was added');
    expect(daySpec.fields.map((f) => [transformToString(f.transform), f.name])).toEqual([['day', 'ts_day']]);
    // Added, not the default: main's live appends stay unpartitioned; the branch is by day.
    expect(during.defaultSpecId).toBe(0);
    expect(branchHead(during, backfillBranch('r1'))?.summary[SPEC_KEY]).toBe(String(daySpec.specId));
    expect(await specsOf(during, backfillBranch('r1'))).toEqual(new Set([daySpec.specId]));
    expect(await specsOf(during, 'main')).toEqual(new Set([0]));
    expect((await validateBackfill(catalog, io, id, 'r1')).ok).toBe(true);

    const outcome = await cutover(spec, 'r1', host, async () => {
      await pipeline.stop();
      return async () => {
        pipeline = await startLive(spec);
      };
    });
    const after = (await catalog.loadTable(id)).metadata;
    expect(after.defaultSpecId).toBe(daySpec.specId);
    expect(after.currentSnapshotId).toBe(outcome.snapshotId);
    expect(await specsOf(after, 'main')).toEqual(new Set([daySpec.specId]));

    // The live pipeline goes on in the new default spec.
    await produce(topic, 330, 30);
    await waitForCommitted(catalog, namespace, ['daily'], spec.id, 360);
    const last = (await catalog.loadTable(id)).metadata;
    const cutoverSequence = after.snapshots.find((s) => s.snapshotId === outcome.snapshotId)?.sequenceNumber;
    const liveFiles = (await liveDataFiles(io, last)).filter(
      (f) => f.sequenceNumber > (cutoverSequence ?? 0n),
    );
    expect(liveFiles.length).toBeGreaterThan(0);
    expect(new Set(liveFiles.map((f) => f.specId))).toEqual(new Set([daySpec.specId]));
    await pipeline.stop();

    // pyiceberg: every record once, the day spec, and a scan of one day plans only that day's files.
    expect(await readWithPyiceberg([namespace], 'daily').then((v) => v.spec)).toMatchObject({
      'spec-id': daySpec.specId,
      fields: [{ name: 'ts_day', transform: 'day' }],
    });
    const all = await scanWithPyiceberg([namespace], 'daily', { select: ['seq', '_kafka'] });
    const coordinates = all.rows.map((r) => {
      const k = r._kafka as { partition: string; offset: string };
      return `${k.partition}/${k.offset}`;
    });
    expect(all.rows).toHaveLength(360);
    expect(new Set(coordinates).size).toBe(360);
    const secondDay = Math.floor(FIRST_DAY_MS / DAY_MS) + 1;
    const oneDay = await scanWithPyiceberg([namespace], 'daily', {
      filter: "ts >= '2026-01-02T00:00:00+00:00' and ts < '2026-01-03T00:00:00+00:00'",
      select: ['seq'],
    });
    const seqs = oneDay.rows.map((r) => Number(String(r.seq).replace(/^i:/, ''))).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 120 }, (_, i) => i * 3 + 1));
    const dayOf = new Map((await liveDataFiles(io, last)).map((f) => [f.file.filePath, f.file.partition[0]]));
    expect(oneDay.files.length).toBeGreaterThan(0);
    expect(oneDay.files.length).toBeLessThan(all.files.length);
    expect(oneDay.files.map((f) => dayOf.get(f))).toEqual(oneDay.files.map(() => secondDay));
  });
});
