import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nativeConsumerRefusal, nativeEngineStatus } from '../src/index';
import { PARTITIONS } from './events';
import { startMeasured } from './measured-process';
import { cpuSeconds, machine as machineName } from './proc';
import { createTopic, produce } from './topic';

const env = process.env;
const RECORDS = Number(env.FLOE_BENCH_RECORDS ?? 2_000_000);
const RATE = Number(env.FLOE_BENCH_RATE ?? 2000);
const SECONDS = Number(env.FLOE_BENCH_SECONDS ?? 60);
const run = Math.random().toString(16).slice(2, 10);

interface Measured {
  mode: string;
  engine: string;
  engineReason?: string;
  /** The Kafka client that fetched. */
  consumer: string;
  cold: { records_per_cpu_s: number; records_per_s: number };
  warm: { records_per_cpu_s: number; records_per_s: number };
  first_snapshot_s: number | null;
  cpu_s_by_thread: Record<string, number> | null;
  stage_ms: Record<string, number> | null;
  rss_peak_mib: number;
}

/** Runs one measured process over the backlog (cold), then over as many records again produced while it runs (warm). */
async function measure(mode: 'raw' | 'ingest', topic: string, engine: string): Promise<Measured> {
  const child = startMeasured([mode, topic, `${RECORDS},${2 * RECORDS}`, engine]);
  const pid = child.pid;
  const marks: { cpu: number; wallMs: number }[] = [];
  let firstSnapshotMs: number | null = null;
  let readyMs = 0;
  let engineName = mode === 'raw' ? 'kafkajs' : engine;
  let engineReason: string | undefined;
  let consumer = mode === 'raw' ? engine : 'kafkajs';
  let cpuByThread: Record<string, number> | undefined;
  let stageMs: Record<string, number> | undefined;
  for await (const event of child.events) {
    if (event.event === 'ready') {
      readyMs = event.atMs as number;
      marks.push({ cpu: cpuSeconds(pid), wallMs: readyMs });
    } else if (event.event === 'engine') {
      engineName = event.engine as string;
      engineReason = event.reason;
    } else if (event.event === 'consumer') {
      consumer = event.consumer as string;
    } else if (event.event === 'first-snapshot') {
      firstSnapshotMs ??= (event.atMs as number) - readyMs;
    } else if (event.event === 'reached') {
      marks.push({ cpu: cpuSeconds(pid), wallMs: event.atMs as number });
      if (marks.length === 2) void produce(topic, RECORDS, RECORDS);
    } else if (event.event === 'threads') {
      cpuByThread = event.cpu;
      stageMs = event.stageMs;
    } else if (event.event === 'error') {
      console.error(`  ${mode}/${engine}: ${event.message}`);
    }
  }
  const code = await child.exited;
  if (marks.length < 3) throw new Error(`${mode} ${engine} exited with ${code}`);
  const [ready, cold, warm] = marks as [(typeof marks)[0], (typeof marks)[0], (typeof marks)[0]];
  const rate = (a: typeof ready, b: typeof ready) => ({
    records_per_cpu_s: RECORDS / (b.cpu - a.cpu),
    records_per_s: RECORDS / ((b.wallMs - a.wallMs) / 1000),
  });
  return {
    mode,
    engine: engineName,
    ...(engineReason !== undefined && { engineReason }),
    consumer,
    cold: rate(ready, cold),
    warm: rate(cold, warm),
    first_snapshot_s: firstSnapshotMs === null ? null : +(firstSnapshotMs / 1000).toFixed(2),
    rss_peak_mib: child.peakRssMiB(),
    // CPU seconds of the whole run (cold and warm) per thread kind: where the work is done.
    cpu_s_by_thread: cpuByThread ?? null,
    stage_ms: stageMs ?? null,
  };
}

async function latency(engine: string) {
  const topic = `bench-live-${engine.replace('+', '-')}-${run}`;
  await createTopic(topic);
  const child = startMeasured(['latency', topic, '1e18', engine, `${RATE}:${SECONDS}`]);
  let result: { p50: number; p99: number; tail: number; measured: number; unseen: number } | undefined;
  for await (const event of child.events) {
    if (event.event === 'latency') result = event as unknown as typeof result;
  }
  return result;
}

const topic = `bench-backlog-${run}`;
await createTopic(topic);
console.log(`producing ${RECORDS} events to ${topic}…`);
const avgBytes = await produce(topic, 0, RECORDS);
// `native` and `portable` fetch with kafkajs (auto); `native+librdkafka` is the native engine on
// librdkafka, to see what the consumer alone is worth.
const librdkafka = nativeConsumerRefusal({}) === undefined;
const engines = (
  env.FLOE_BENCH_ENGINES?.split(',') ?? ['native', ...(librdkafka ? ['native+librdkafka'] : []), 'portable']
).filter((e) => !e.startsWith('native') || nativeEngineStatus().available);
const results: Record<string, unknown>[] = [];
const topicOf = (name: string) => `${topic}-${name}`;
console.log('raw kafkajs consume (cold on the backlog, then warm)…');
// Each measured process gets a copy of the same backlog, so that warm records are new to every one.
const raw = await measure('raw', topic, 'kafkajs');
let rawNative: Measured | undefined;
if (librdkafka) {
  console.log('raw librdkafka consume through the native engine (cold on its own backlog, then warm)…');
  await createTopic(topicOf('librdkafka'));
  await produce(topicOf('librdkafka'), 0, RECORDS);
  rawNative = await measure('raw', topicOf('librdkafka'), 'librdkafka');
}
for (const engine of engines) {
  const own = topicOf(engine.replace('+', '-'));
  await createTopic(own);
  console.log(`${engine} engine: producing its backlog, then ingesting cold and warm…`);
  await produce(own, 0, RECORDS);
  const m = await measure('ingest', own, engine);
  console.log(`${engine} engine: latency at ${RATE}/s for ${SECONDS}s…`);
  const lat = await latency(engine);
  results.push({
    engine: m.engine,
    consumer: m.consumer,
    ...(m.engineReason !== undefined && { engine_reason: m.engineReason }),
    records_per_cpu_s: Math.round(m.warm.records_per_cpu_s),
    raw_records_per_cpu_s: Math.round(raw.warm.records_per_cpu_s),
    ratio_to_raw: +(m.warm.records_per_cpu_s / raw.warm.records_per_cpu_s).toFixed(3),
    cold_records_per_cpu_s: Math.round(m.cold.records_per_cpu_s),
    raw_cold_records_per_cpu_s: Math.round(raw.cold.records_per_cpu_s),
    cold_ratio_to_raw: +(m.cold.records_per_cpu_s / raw.cold.records_per_cpu_s).toFixed(3),
    records_per_s: Math.round(m.cold.records_per_s),
    rss_peak_mib: Math.round(m.rss_peak_mib),
    first_snapshot_s: m.first_snapshot_s,
    p50_s: lat?.p50 === undefined ? null : lat.p50 / 1000,
    p99_s: lat?.p99 === undefined ? null : lat.p99 / 1000,
    tail_s: lat?.tail === undefined || lat.tail === null ? null : lat.tail / 1000,
    latency_records: lat?.measured ?? 0,
    latency_unseen: lat?.unseen ?? null,
    // Per stage: the raw consume's CPU per record is the consume stage; the rest is split by thread
    // (main: runner and decode + columns; libuv pool: Parquet encoding, compression, uploads).
    stages: {
      consume_us_per_record: +(1e6 / raw.warm.records_per_cpu_s).toFixed(2),
      total_us_per_record: +(1e6 / m.warm.records_per_cpu_s).toFixed(2),
      cpu_s_by_thread: m.cpu_s_by_thread,
      // Time in each stage over the whole run (cold and warm), per record: reading fetched batches,
      // take (decode, map, fit, build columns), Parquet encoding, upload, catalog commit.
      ...Object.fromEntries(
        Object.entries(m.stage_ms ?? {}).map(([stage, ms]) => [
          `${stage}_us_per_record`,
          +((ms * 1000) / (2 * RECORDS)).toFixed(2),
        ]),
      ),
    },
  });
}
const date = new Date().toISOString().slice(0, 10);
const machine = machineName();
const out = {
  date: new Date().toISOString(),
  machine,
  topic: { records: RECORDS, partitions: PARTITIONS, avg_bytes: Math.round(avgBytes) },
  raw: {
    warm_records_per_cpu_s: Math.round(raw.warm.records_per_cpu_s),
    cold_records_per_cpu_s: Math.round(raw.cold.records_per_cpu_s),
    records_per_s: Math.round(raw.cold.records_per_s),
    rss_peak_mib: Math.round(raw.rss_peak_mib),
  },
  ...(rawNative !== undefined && {
    raw_librdkafka: {
      warm_records_per_cpu_s: Math.round(rawNative.warm.records_per_cpu_s),
      cold_records_per_cpu_s: Math.round(rawNative.cold.records_per_cpu_s),
      records_per_s: Math.round(rawNative.cold.records_per_s),
      rss_peak_mib: Math.round(rawNative.rss_peak_mib),
      ratio_to_raw: +(rawNative.warm.records_per_cpu_s / raw.warm.records_per_cpu_s).toFixed(3),
    },
  }),
  results,
};
const rows = results
  .map(
    (r) =>
      `| ${r.engine} (${r.consumer}) | ${r.records_per_cpu_s} | ${r.ratio_to_raw}× | ${r.cold_records_per_cpu_s} (${r.cold_ratio_to_raw}×) | ${r.records_per_s} | ${r.rss_peak_mib} | ${r.first_snapshot_s ?? '—'} | ${r.p50_s ?? '—'} / ${r.p99_s ?? '—'} / ${r.tail_s ?? '—'} |`,
  )
  .join('\n');
const stage = (r: Record<string, unknown>, name: string) =>
  (r.stages as Record<string, number | undefined>)[`${name}_us_per_record`] ?? '—';
const stageRows = results
  .map(
    (r) =>
      `| ${r.engine} (${r.consumer}) | ${stage(r, 'consume')} | ${stage(r, 'read')} | ${stage(r, 'take')} | ${stage(r, 'encode')} | ${stage(r, 'upload')} | ${stage(r, 'commit')} | ${stage(r, 'total')} |`,
  )
  .join('\n');
const md = `# Ingest benchmark, ${date}

- machine: ${machine}
- topic: ${PARTITIONS} partitions, ${RECORDS} JSON events of 10 fields, ${avgBytes.toFixed(0)} bytes on average; local stack (Kafka KRaft, REST catalog, moto S3), all on this machine
- each figure is one whole process's CPU (utime + stime from /proc); ratios are to the raw kafkajs consume of this run
  (warm ${out.raw.warm_records_per_cpu_s}, cold ${out.raw.cold_records_per_cpu_s} records per CPU-second, ${out.raw.records_per_s} records/s)
${
  out.raw_librdkafka === undefined
    ? '- librdkafka: not built here'
    : `- raw librdkafka consume (the native consumer alone, packed batches, no decoding): warm ${out.raw_librdkafka.warm_records_per_cpu_s}, cold ${out.raw_librdkafka.cold_records_per_cpu_s} records per CPU-second (${out.raw_librdkafka.ratio_to_raw}× raw kafkajs), ${out.raw_librdkafka.records_per_s} records/s, peak RSS ${out.raw_librdkafka.rss_peak_mib} MiB`
}

| engine | records per CPU-s, warm | ratio to raw | cold (ratio) | wall records/s, cold | peak RSS MiB | first snapshot s | latency p50 / p99 / tail s at ${RATE}/s, 1 s interval |
|---|---|---|---|---|---|---|---|
${rows}

µs per record by stage: consume is the raw kafkajs consume's CPU; read (fetched batches to records),
take (decode, map, fit, build columns), encode (Parquet), upload and commit are time spent in the
stage over the whole run (encoding runs off the main thread, uploads and commits wait on the network);
total is the engine process's CPU, warm.

| engine | consume (raw, CPU) | read | take | encode | upload | commit | total (CPU) |
|---|---|---|---|---|---|---|---|
${stageRows}
`;
const dir = resolve(import.meta.dirname, '../../../bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `ingest-${date}.json`), `${JSON.stringify(out, null, 2)}\n`);
writeFileSync(join(dir, `ingest-${date}.md`), md);
console.log(md);
process.exit(0);
