// Benchmark (not a test), `npm run bench:ingest`: on one topic of JSON events (10 fields, ≈500 bytes),
// in one run: (1) the raw kafkajs consume rate with no processing, (2) Floe's ingest rate to committed
// Iceberg snapshots, and (3) produce→queryable latency p50/p99 at a fixed produce rate, with the
// process's RSS sampled throughout. Results: bench/results/ingest-<date>.md with the machine.
// FLOE_BENCH_RECORDS (default 300000), FLOE_BENCH_RATE (default 2000/s), FLOE_BENCH_SECONDS (default 60;
// 600 for the 10-minute memory run).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipelineSpecSchema } from '@floe/protocol';
import { loadStackEnv } from '../../../infra/local/env.mjs';
import { createKafka, openPipeline, SchemalessJsonDecoder } from '../src/index';

Object.assign(process.env, { ...loadStackEnv(), ...process.env });
const env = process.env;
const RECORDS = Number(env.FLOE_BENCH_RECORDS ?? 300_000);
const RATE = Number(env.FLOE_BENCH_RATE ?? 2000);
const SECONDS = Number(env.FLOE_BENCH_SECONDS ?? 60);
const PARTITIONS = 6;
const brokers = (env.FLOE_KAFKA_BROKERS as string).split(',');
const kafka = createKafka({ brokers, clientId: 'floe-bench', logLevel: 'error' });
const run = randomBytes(4).toString('hex');
const credentials = {
  accessKeyId: env.FLOE_AWS_ACCESS_KEY_ID as string,
  secretAccessKey: env.FLOE_AWS_SECRET_ACCESS_KEY as string,
};

function event(seq: number, sentAtMs: number): string {
  return JSON.stringify({
    event_id: seq,
    sent_at_ms: sentAtMs,
    user_id: seq % 100_003,
    session_id: `s-${(seq * 7919) % 1_000_003}-${'x'.repeat(40)}`,
    event_type: ['view', 'click', 'purchase', 'scroll'][seq % 4],
    page_url: `https://shop.example.com/products/${seq % 5000}/details?ref=campaign-${seq % 17}&utm=${'y'.repeat(60)}`,
    user_agent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    amount: (seq % 10_000) / 100,
    country: ['DE', 'US', 'FR', 'JP', 'BR'][seq % 5],
    is_mobile: seq % 3 === 0,
  });
}

async function createTopic(topic: string) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
}

async function produceBacklog(topic: string): Promise<number> {
  const producer = kafka.producer();
  await producer.connect();
  let bytes = 0;
  for (let from = 0; from < RECORDS; from += 5000) {
    const messages = Array.from({ length: Math.min(5000, RECORDS - from) }, (_, i) => {
      const value = event(from + i, 0);
      bytes += value.length;
      return { value, partition: (from + i) % PARTITIONS };
    });
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
  return bytes / RECORDS;
}

/** Records/s kafkajs delivers with no processing at all. */
async function rawConsumeRate(topic: string): Promise<number> {
  const consumer = kafka.consumer({ groupId: `raw-${run}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started = 0;
  await new Promise<void>((done) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (started === 0) started = performance.now();
        seen += batch.messages.length;
        if (seen >= RECORDS) done();
      },
    });
  });
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return RECORDS / seconds;
}

function spec(topic: string, table: string, intervalSeconds: number) {
  return pipelineSpecSchema.parse({
    id: `bench-${table}-${run}`,
    name: 'bench',
    version: 1,
    source: { bootstrapServers: brokers, topics: [topic] },
    format: { value: 'json', key: 'none' },
    table: {
      catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
      namespace: [`bench_${run}`],
      name: table,
      storage: {
        bucket: env.FLOE_WAREHOUSE_BUCKET,
        prefix: 'bench',
        region: env.FLOE_AWS_REGION,
        endpoint: env.FLOE_S3_ENDPOINT,
      },
    },
    commit: { intervalSeconds },
    deadLetter: { policy: 'pause' },
  });
}

/** Records/s from an existing backlog to committed snapshots. */
async function ingestRate(topic: string): Promise<{ perSecond: number; commits: number }> {
  let committed = 0;
  let commits = 0;
  let started = 0;
  let finished = 0;
  const pipeline = await openPipeline(spec(topic, 'throughput', 10), {
    decoder: new SchemalessJsonDecoder(),
    resolveSecret: async () => '',
    awsCredentials: credentials,
    observer: {
      committed(outcome) {
        committed += outcome.records;
        commits += 1;
        if (committed >= RECORDS) finished = performance.now();
      },
    },
  });
  started = performance.now();
  await pipeline.start();
  while (finished === 0) await new Promise((r) => setTimeout(r, 100));
  await pipeline.stop();
  return { perSecond: RECORDS / ((finished - started) / 1000), commits };
}

/** Produce at a fixed rate; latency of each record = commit that made it visible − its send time. */
async function latency(topic: string, intervalSeconds: number) {
  const sentAt = new Map<string, number>(); // "partition:offset" -> send time
  const latencies: number[] = [];
  const rss: number[] = [];
  const pipeline = await openPipeline(spec(topic, 'latency', intervalSeconds), {
    decoder: new SchemalessJsonDecoder(),
    resolveSecret: async () => '',
    awsCredentials: credentials,
    observer: {
      committed(outcome) {
        const now = Date.now();
        for (const [key, at] of sentAt) {
          const [partition, offset] = key.split(':').map(BigInt) as [bigint, bigint];
          const p = outcome.partitions.find((x) => BigInt(x.partition) === partition);
          if (p !== undefined && offset < p.nextOffset) {
            latencies.push(now - at);
            sentAt.delete(key);
          }
        }
      },
    },
  });
  await pipeline.start();
  const producer = kafka.producer();
  await producer.connect();
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 1000);
  const perTick = Math.max(1, Math.round(RATE / 10));
  const end = Date.now() + SECONDS * 1000;
  let seq = 0;
  while (Date.now() < end) {
    const tick = Date.now();
    const messages = Array.from({ length: perTick }, () => ({
      value: event(seq++, tick),
      partition: seq % PARTITIONS,
    }));
    const acks = await producer.send({ topic, messages });
    // Each partition's records got consecutive offsets from its base offset, in send order.
    const counts = new Map<number, number>();
    for (const m of messages) counts.set(m.partition, (counts.get(m.partition) ?? 0) + 1);
    for (const ack of acks) {
      const base = BigInt(ack.baseOffset ?? '0');
      for (let i = 0n; i < BigInt(counts.get(ack.partition) ?? 0); i += 1n)
        sentAt.set(`${ack.partition}:${base + i}`, tick);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
  }
  const drainUntil = Date.now() + (intervalSeconds + 30) * 1000;
  while (sentAt.size > 0 && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 200));
  clearInterval(sampler);
  await producer.disconnect();
  await pipeline.stop();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return { p50: pct(0.5), p99: pct(0.99), measured: latencies.length, unseen: sentAt.size, rss };
}

const backlog = `bench-backlog-${run}`;
const live = `bench-live-${run}`;
await createTopic(backlog);
await createTopic(live);
console.log(`producing ${RECORDS} events to ${backlog}…`);
const avgBytes = await produceBacklog(backlog);
console.log('measuring the raw kafkajs consume rate…');
const raw = await rawConsumeRate(backlog);
console.log('measuring Floe ingest to committed snapshots…');
const ingest = await ingestRate(backlog);
const INTERVAL = 1;
console.log(
  `measuring produce→queryable latency at ${RATE}/s for ${SECONDS}s (commit interval ${INTERVAL}s)…`,
);
const lat = await latency(live, INTERVAL);
const mib = (b: number) => (b / 2 ** 20).toFixed(0);
const date = new Date().toISOString().slice(0, 10);
const firstMinute = lat.rss.slice(0, 10);
const lastMinute = lat.rss.slice(-10);
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const report = `# Ingest benchmark, ${date}

- machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}
- topic: ${PARTITIONS} partitions, ${RECORDS} JSON events of 10 fields, ${avgBytes.toFixed(0)} bytes on average; local stack (Kafka 4.1 KRaft, REST catalog, moto S3), all on this machine

| measure | value |
|---|---|
| raw kafkajs consume (no processing) | ${raw.toFixed(0)} records/s |
| Floe ingest → committed snapshots (10 s interval) | ${ingest.perSecond.toFixed(0)} records/s in ${ingest.commits} commits |
| ingest / raw consume | ${(ingest.perSecond / raw).toFixed(2)} |
| produce→queryable latency p50 at ${RATE}/s, ${INTERVAL} s interval | ${lat.p50} ms |
| produce→queryable latency p99 | ${lat.p99} ms (aim: ≤ interval + 2 s = ${INTERVAL * 1000 + 2000} ms) |
| records measured / never seen committed | ${lat.measured} / ${lat.unseen} |
| RSS over the ${SECONDS} s latency run: first 10 s avg → last 10 s avg (max) | ${mib(avg(firstMinute))} → ${mib(avg(lastMinute))} MiB (${mib(Math.max(...lat.rss))}) |
`;
const dir = resolve(import.meta.dirname, '../../../bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `ingest-${date}.md`), report);
console.log(report);
process.exit(0);
