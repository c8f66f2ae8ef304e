// One measured process of `npm run bench:ingest` (started by ingest.bench.ts, not by hand): either a
// raw consume of the topic (`raw kafkajs`: kafkajs decoding every message, or `raw librdkafka`: the
// native consumer handing over packed batches), or one engine ingesting it to committed Iceberg
// snapshots (`native`, `portable`, or `<engine>+<consumer>` to name the Kafka client too). It
// prints JSON lines on stdout — `ready` once loaded, `reached` each time the count of consumed (raw)
// or committed (engine) records reaches the next target, `first-snapshot` — and the parent reads its
// CPU and memory from /proc. With `latency`, it also produces at a fixed rate and reports how long
// each record took to become queryable. FLOE_BENCH_CHANGES (the spec's `changes`, as JSON) makes the
// pipeline an upsert or CDC one; FLOE_BENCH_INTERVAL_S sets the commit interval of `ingest`.
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pipelineSpecSchema } from '@floe/protocol';
import { loadStackEnv } from '../../../infra/local/env.mjs';
import { createKafka, NativeSource, openPipeline, SchemalessJsonDecoder } from '../src/index';
import { benchEvent, PARTITIONS } from './events';

Object.assign(process.env, { ...loadStackEnv(), ...process.env });
const env = process.env;
const [mode, topic, targetList, engine = 'auto', extra = ''] = process.argv.slice(2) as [
  'raw' | 'ingest' | 'latency',
  string,
  string,
  string,
  string,
];
const [engineName, consumerName = 'auto'] = engine.split('+');
// A list of totals to report ("1000,2000"), or "every:<n>" for each multiple of n, without end.
const every = targetList.startsWith('every:') ? Number(targetList.slice(6)) : undefined;
const targets = every === undefined ? targetList.split(',').map(Number) : [];
const target = (i: number) => (every === undefined ? targets[i] : (i + 1) * every) as number;
const lastTarget = every === undefined ? targets.length : Number.POSITIVE_INFINITY;
const brokers = (env.FLOE_KAFKA_BROKERS as string).split(',');
const kafka = createKafka({ brokers, clientId: 'floe-bench', logLevel: 'error' });
const run = `${process.pid}`;
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

let reached = 0;
/** The measured pipeline's stage times (ms), once it is open. */
let stageMs: () => Record<string, number> = () => ({});
function count(total: number): void {
  while (reached < lastTarget && total >= target(reached)) {
    say({ event: 'reached', target: target(reached), atMs: performance.now(), stageMs: stageMs() });
    reached += 1;
  }
  if (reached === lastTarget) {
    say({ event: 'threads', cpu: threadCpu(), stageMs: stageMs() });
    setTimeout(() => process.exit(0), 50);
  }
}

/**
 * CPU seconds by thread kind: the main thread (kafkajs, the runner, the native engine's decoding),
 * the libuv pool (the native engine's Parquet encoding, compression and file I/O), V8's helpers (GC).
 */
function threadCpu(): Record<string, number> {
  const byKind: Record<string, number> = {};
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
    const kind = Number(tid) === process.pid ? 'main' : name.startsWith('libuv-worker') ? 'libuv pool' : name;
    byKind[kind] = +((byKind[kind] ?? 0) + seconds).toFixed(2);
  }
  return byKind;
}

const changes = env.FLOE_BENCH_CHANGES === undefined ? undefined : JSON.parse(env.FLOE_BENCH_CHANGES);

function spec(intervalSeconds: number) {
  return pipelineSpecSchema.parse({
    id: `bench-${mode}-${engine}-${run}`,
    name: 'bench',
    version: 1,
    source: { bootstrapServers: brokers, topics: [topic] },
    // A change pipeline reads a tombstone's key from the Kafka key.
    format: { value: 'json', key: changes === undefined ? 'none' : 'string' },
    table: {
      catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
      namespace: [`bench_${run}`],
      name: `${mode}_${engine.replace('+', '_')}`,
      storage: {
        bucket: env.FLOE_WAREHOUSE_BUCKET,
        prefix: 'bench',
        region: env.FLOE_AWS_REGION,
        endpoint: env.FLOE_S3_ENDPOINT,
      },
    },
    engine: engineName,
    consumer: consumerName,
    commit: { intervalSeconds },
    deadLetter: { policy: 'skip' },
    ...(changes !== undefined && { changes }),
  });
}

/** The native consumer alone: every partition from offset 0, records counted per packed batch. */
async function rawLibrdkafka(): Promise<void> {
  const source = new NativeSource({
    kafka: { brokers, clientId: 'floe-bench' },
    groupId: `raw-${run}`,
    topics: [topic],
    fromBeginning: true,
    sessionTimeoutMs: 30_000,
    log: () => {},
  });
  let seen = 0;
  say({ event: 'ready', atMs: performance.now() });
  await source.start({
    assigned: async (keys) => {
      for (const key of keys) source.seek(key, 0n);
    },
    batch: async ({ raw }) => {
      seen += raw.length;
      count(seen);
    },
  });
}

async function rawConsume(): Promise<void> {
  const consumer = kafka.consumer({ groupId: `raw-${run}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  say({ event: 'ready', atMs: performance.now() });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      count(seen);
    },
  });
}

async function openMeasured(intervalSeconds: number, committed: (outcome: { records: number }) => void) {
  let first = true;
  const measured = spec(intervalSeconds);
  say({ event: 'table', namespace: measured.table.namespace, name: measured.table.name });
  const pipeline = await openPipeline(measured, {
    decoder: new SchemalessJsonDecoder(),
    resolveSecret: async () => '',
    awsCredentials: {
      accessKeyId: env.FLOE_AWS_ACCESS_KEY_ID as string,
      secretAccessKey: env.FLOE_AWS_SECRET_ACCESS_KEY as string,
    },
    log: (level, message, fields) => {
      if (fields?.engine !== undefined)
        say({ event: 'engine', engine: fields.engine, reason: fields.reason });
      else if (fields?.consumer !== undefined && fields.reason !== undefined)
        say({ event: 'consumer', consumer: fields.consumer, reason: fields.reason });
      else if (level === 'error') say({ event: 'error', message, ...fields });
    },
    observer: {
      committed(outcome) {
        if (first && outcome.records > 0) {
          first = false;
          say({ event: 'first-snapshot', atMs: performance.now() });
        }
        // Records taken so far, dead letters and tombstones included: the offsets the table now holds
        // (the topic is the bench's own, from offset 0), not the rows written, which a change
        // pipeline's deletes and collapsed updates make fewer.
        let taken = 0;
        for (const next of outcome.offsets.values()) taken += Number(next);
        say({
          event: 'committed',
          atMs: performance.now(),
          taken,
          rows: outcome.records,
          stageMs: stageMs(),
          memory: process.memoryUsage(),
        });
        committed(outcome);
        count(taken);
      },
    },
  });
  stageMs = () => ({ ...pipeline.runner.metrics.stages.ms });
  return pipeline;
}

async function ingest(): Promise<void> {
  const pipeline = await openMeasured(Number(env.FLOE_BENCH_INTERVAL_S ?? 10), () => {});
  say({ event: 'ready', atMs: performance.now() });
  await pipeline.start();
}

/** Produces at `rate`/s; latency of a record = the commit that made it queryable − its send time. */
async function latency(): Promise<void> {
  const [rate, seconds] = extra.split(':').map(Number) as [number, number];
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let producing = true;
  let tail: number[] = [];
  const pipeline = await openMeasured(1, (outcome) => {
    const now = Date.now();
    const next = new Map(
      (outcome as unknown as { partitions: { partition: number; nextOffset: bigint }[] }).partitions.map(
        (p) => [p.partition, p.nextOffset],
      ),
    );
    for (const [key, at] of sentAt) {
      const [partition, offset] = key.split(':').map(BigInt) as [bigint, bigint];
      const upTo = next.get(Number(partition));
      if (upTo !== undefined && offset < upTo) {
        (producing ? latencies : tail).push(now - at);
        sentAt.delete(key);
      }
    }
  });
  await pipeline.start();
  const producer = kafka.producer();
  await producer.connect();
  const perTick = Math.max(1, Math.round(rate / 10));
  const end = Date.now() + seconds * 1000;
  let seq = 0;
  while (Date.now() < end) {
    const tick = Date.now();
    const messages = Array.from({ length: perTick }, () => ({
      value: benchEvent(seq++, tick),
      partition: seq % PARTITIONS,
    }));
    const acks = await producer.send({ topic, messages });
    const counts = new Map<number, number>();
    for (const m of messages) counts.set(m.partition, (counts.get(m.partition) ?? 0) + 1);
    for (const ack of acks) {
      const base = BigInt(ack.baseOffset ?? '0');
      for (let i = 0n; i < BigInt(counts.get(ack.partition) ?? 0); i += 1n)
        sentAt.set(`${ack.partition}:${base + i}`, tick);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
  }
  // The last records sent: how long until they are queryable once nothing more arrives.
  producing = false;
  tail = [];
  const drainUntil = Date.now() + 30_000;
  while (sentAt.size > 0 && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
  await producer.disconnect();
  const pct = (xs: number[], p: number) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null;
  };
  say({
    event: 'latency',
    p50: pct(latencies, 0.5),
    p99: pct(latencies, 0.99),
    tail: tail.length === 0 ? null : Math.max(...tail),
    measured: latencies.length + tail.length,
    unseen: sentAt.size,
  });
  await pipeline.stop();
  process.exit(0);
}

if (mode === 'raw') await (engine === 'librdkafka' ? rawLibrdkafka() : rawConsume());
else if (mode === 'ingest') await ingest();
else await latency();
