// Benchmark (not a test), `npm run bench:upsert`. One topic of FLOE_BENCH_RECORDS changes (default
// 1,000,000) over FLOE_BENCH_KEYS keys (default 100,000): ~20% inserts, ~70% updates, ~10% tombstones
// (changes.ts). Each engine (FLOE_BENCH_ENGINES, default native,portable) ingests it in a process of
// its own twice, cold on the backlog: as an upsert table keyed by `id`, and as a plain append table of
// the same records. Reported: records per CPU-second of the whole process (utime + stime from /proc)
// with the upsert/append ratio, peak RSS, commit time against the keys in the table (commit interval
// FLOE_BENCH_INTERVAL_S, default 1 s, so that a cold run makes many commits), the process's memory by
// kind at its commits (the most each reached), and pyiceberg's full read of the upsert table before and
// after a compaction. FLOE_BENCH_DELETES picks how the upsert table keeps deletes: deletion-vectors
// (format v3, the default for new upsert tables) or position-deletes (format v2). Results:
// bench/results/upsert-<date>.*
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compactTable, currentSnapshot, type TableIdentifier } from '@floe/iceberg';
import { type TimedPyicebergScan, timeScanWithPyiceberg } from '@floe/iceberg/testing';
import { nativeEngineStatus } from '../src/index';
import { ChangeStream } from './changes';
import { PARTITIONS } from './events';
import { startMeasured } from './measured-process';
import { cpuSeconds, machine as machineName } from './proc';
import { stackCatalog, stackIO } from './stack';
import { createTopic, produceMessages } from './topic';

const env = process.env;
const RECORDS = Number(env.FLOE_BENCH_RECORDS ?? 1_000_000);
const KEYS = Number(env.FLOE_BENCH_KEYS ?? 100_000);
const INTERVAL_S = env.FLOE_BENCH_INTERVAL_S ?? '1';
const DELETES = env.FLOE_BENCH_DELETES ?? 'deletion-vectors';
const DELETES_SAID: Record<string, string> = {
  'deletion-vectors': 'deletion vectors in Puffin files, format v3',
  'position-deletes': 'Parquet position delete files, format v2',
};
if (DELETES_SAID[DELETES] === undefined)
  throw new Error(`FLOE_BENCH_DELETES: ${DELETES} is not one of ${Object.keys(DELETES_SAID).join(', ')}`);
const MIB = 2 ** 20;
const STEPS = 10;
const READ_RUNS = 3;
const run = Math.random().toString(16).slice(2, 10);

interface Step {
  records: number;
  live_keys: number;
  commits: number;
  commit_ms_mean: number | null;
}

interface Ingested {
  engine: string;
  records_per_cpu_s: number;
  records_per_s: number;
  rss_peak_mib: number;
  /** The most each kind of memory reached at a commit (process.memoryUsage, MiB). */
  memory_at_commits_mib: Record<string, number>;
  steps: Step[];
  table: TableIdentifier;
}

/** Ingests the whole topic once, cold, as an upsert or append pipeline; its CPU, and each commit's time. */
async function ingest(topic: string, engine: string, upsert: boolean, liveAt: Int32Array): Promise<Ingested> {
  const child = startMeasured(['ingest', topic, String(RECORDS), engine], {
    FLOE_BENCH_INTERVAL_S: INTERVAL_S,
    ...(upsert && { FLOE_BENCH_CHANGES: JSON.stringify({ mode: 'upsert', key: ['id'], deletes: DELETES }) }),
  });
  let ready = { cpu: 0, wallMs: 0 };
  let end = ready;
  let engineName = engine;
  let table: TableIdentifier | undefined;
  const commits: { taken: number; ms: number }[] = [];
  let commitMs = 0;
  const memory: Record<string, number> = {};
  for await (const event of child.events) {
    if (event.event === 'ready') {
      ready = { cpu: cpuSeconds(child.pid), wallMs: event.atMs as number };
    } else if (event.event === 'table') {
      table = { namespace: event.namespace as string[], name: event.name as string };
    } else if (event.event === 'engine') {
      engineName = event.engine as string;
    } else if (event.event === 'committed') {
      const commitMsNow = event.stageMs?.commit ?? 0;
      commits.push({ taken: event.taken as number, ms: commitMsNow - commitMs });
      commitMs = commitMsNow;
      for (const [kind, bytes] of Object.entries(event.memory as Record<string, number>)) {
        memory[kind] = Math.max(memory[kind] ?? 0, Math.round(bytes / MIB));
      }
    } else if (event.event === 'reached') {
      end = { cpu: cpuSeconds(child.pid), wallMs: event.atMs as number };
    } else if (event.event === 'error') {
      console.error(`  ${engine} ${upsert ? 'upsert' : 'append'}: ${event.message}`);
    }
  }
  const code = await child.exited;
  if (end === ready || table === undefined) throw new Error(`${engine} exited with ${code}`);
  // The commits grouped by the tenth of the topic they ended in.
  const step = Math.ceil(RECORDS / STEPS);
  const steps = Array.from({ length: STEPS }, (_, i): Step => {
    const records = Math.min(RECORDS, (i + 1) * step);
    const within = commits.filter((c) => c.taken > i * step && c.taken <= records);
    const ms = within.reduce((sum, c) => sum + c.ms, 0);
    return {
      records,
      live_keys: liveAt[records - 1] ?? 0,
      commits: within.length,
      commit_ms_mean: within.length === 0 ? null : Math.round(ms / within.length),
    };
  });
  return {
    engine: engineName,
    records_per_cpu_s: Math.round(RECORDS / (end.cpu - ready.cpu)),
    records_per_s: Math.round(RECORDS / ((end.wallMs - ready.wallMs) / 1000)),
    rss_peak_mib: Math.round(child.peakRssMiB()),
    memory_at_commits_mib: memory,
    steps,
    table,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** pyiceberg's full read of the table, then Floe's compaction of it, then the read again. */
async function readCompactRead(id: TableIdentifier, expectedRows: number) {
  const catalog = stackCatalog();
  const io = stackIO();
  const summary = async () => currentSnapshot((await catalog.loadTable(id)).metadata)?.summary ?? {};
  const before = await timeScanWithPyiceberg(id.namespace, id.name, { runs: READ_RUNS, sums: ['version'] });
  if (before.rows !== expectedRows) {
    throw new Error(`pyiceberg read back ${before.rows} rows; ${expectedRows} keys are live`);
  }
  const shape = (scan: TimedPyicebergScan, s: Record<string, string>) => ({
    data_files: scan.tasks,
    delete_files: scan.delete_files,
    position_deletes: Number(s['total-position-deletes'] ?? 0),
    plan_s: +median(scan.plan).toFixed(2),
    read_s: +median(scan.read).toFixed(2),
    rows: scan.rows,
  });
  const measured = { before: shape(before, await summary()), versions: before.versions };
  const cpuBefore = process.cpuUsage();
  let compaction: Awaited<ReturnType<typeof compactTable>>;
  try {
    compaction = await compactTable(catalog, io, id);
  } catch (error) {
    // Reported as it is: a compaction that refuses the table is a finding of the run.
    return { ...measured, after: null, compaction_error: (error as Error).message };
  }
  const cpu = process.cpuUsage(cpuBefore);
  const after = await timeScanWithPyiceberg(id.namespace, id.name, { runs: READ_RUNS, sums: ['version'] });
  if (after.rows !== before.rows || after.sums.version !== before.sums.version) {
    throw new Error(
      `compaction changed the table: ${before.rows} rows before, ${after.rows} after (Σ version ${before.sums.version} → ${after.sums.version})`,
    );
  }
  return {
    ...measured,
    after: shape(after, await summary()),
    compaction_s: +(compaction.durationMs / 1000).toFixed(2),
    compaction_cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(2),
  };
}

const topic = `bench-upsert-${run}`;
await createTopic(topic);
console.log(`producing ${RECORDS} changes over ${KEYS} keys to ${topic}…`);
const stream = new ChangeStream(KEYS);
const liveAt = new Int32Array(RECORDS);
const avgBytes = await produceMessages(
  topic,
  RECORDS,
  (i) => {
    const message = stream.next();
    liveAt[i] = stream.liveKeys;
    return message;
  },
  { ordered: true },
);
const engines = (env.FLOE_BENCH_ENGINES?.split(',') ?? ['native', 'portable']).filter(
  (e) => e !== 'native' || nativeEngineStatus().available,
);
const results = [];
for (const engine of engines) {
  console.log(`${engine} engine: append, then upsert, each cold on the whole topic…`);
  const append = await ingest(topic, engine, false, liveAt);
  const upsert = await ingest(topic, engine, true, liveAt);
  console.log(
    `${engine} engine: pyiceberg reads the upsert table, Floe compacts it, pyiceberg reads it again…`,
  );
  const reads = await readCompactRead(upsert.table, stream.liveKeys);
  results.push({
    engine: upsert.engine,
    records_per_cpu_s: upsert.records_per_cpu_s,
    append_records_per_cpu_s: append.records_per_cpu_s,
    ratio_to_append: +(upsert.records_per_cpu_s / append.records_per_cpu_s).toFixed(3),
    records_per_s: upsert.records_per_s,
    append_records_per_s: append.records_per_s,
    rss_peak_mib: upsert.rss_peak_mib,
    append_rss_peak_mib: append.rss_peak_mib,
    memory_at_commits_mib: upsert.memory_at_commits_mib,
    append_memory_at_commits_mib: append.memory_at_commits_mib,
    commits_by_keys: upsert.steps,
    append_commits: append.steps,
    pyiceberg: reads,
  });
}

const date = new Date().toISOString().slice(0, 10);
const machine = machineName();
const out = {
  date: new Date().toISOString(),
  machine,
  topic: {
    records: RECORDS,
    keys: KEYS,
    partitions: PARTITIONS,
    avg_value_bytes: Math.round(avgBytes),
    ...stream.counts,
    live_keys_at_end: stream.liveKeys,
  },
  commit_interval_s: Number(INTERVAL_S),
  deletes: DELETES,
  results,
};
const main = results
  .map(
    (r) =>
      `| ${r.engine} | ${r.records_per_cpu_s} | ${r.append_records_per_cpu_s} | ${r.ratio_to_append}× | ${r.records_per_s} / ${r.append_records_per_s} | ${r.rss_peak_mib} / ${r.append_rss_peak_mib} |`,
  )
  .join('\n');
const memoryKinds = ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'];
const memory = results
  .map(
    (r) =>
      `| ${r.engine} | ${memoryKinds.map((k) => `${r.memory_at_commits_mib[k] ?? '—'} / ${r.append_memory_at_commits_mib[k] ?? '—'}`).join(' | ')} |`,
  )
  .join('\n');
const commits = results
  .map((r) =>
    r.commits_by_keys
      .map(
        (s, i) =>
          `| ${r.engine} | ${s.records} | ${s.live_keys} | ${s.commits} | ${s.commit_ms_mean ?? '—'} | ${r.append_commits[i]?.commit_ms_mean ?? '—'} |`,
      )
      .join('\n'),
  )
  .join('\n');
const reads = results
  .map((r) => {
    const { before: b, after: a } = r.pyiceberg;
    if (a === null) {
      return `| ${r.engine} | ${b.data_files} | ${b.delete_files} | ${b.position_deletes} | ${b.plan_s} | ${b.read_s} | refused: ${r.pyiceberg.compaction_error} |`;
    }
    return `| ${r.engine} | ${b.data_files} → ${a.data_files} | ${b.delete_files} → ${a.delete_files} | ${b.position_deletes} → ${a.position_deletes} | ${b.plan_s} → ${a.plan_s} | ${b.read_s} → ${a.read_s} | ${r.pyiceberg.compaction_s} (${r.pyiceberg.compaction_cpu_s} CPU) |`;
  })
  .join('\n');
const md = `# Upsert benchmark, ${date}

- machine: ${machine}
- topic: ${RECORDS} changes over ${KEYS} keys in ${PARTITIONS} partitions (${stream.counts.inserts} inserts, ${stream.counts.updates} updates, ${stream.counts.deletes} tombstones; ${stream.liveKeys} keys live at the end), JSON values of 12 fields, ${Math.round(avgBytes)} bytes on average; local stack (Kafka KRaft, REST catalog, moto S3), all on this machine
- each engine ingests the whole topic cold in a process of its own, once as an upsert table keyed by \`id\` (deletes: ${DELETES_SAID[DELETES]}) and once as an append table of the same records; CPU is the whole process's (utime + stime from /proc); commit interval ${INTERVAL_S} s

| engine | upsert records per CPU-s | append records per CPU-s | upsert / append | wall records/s (upsert / append) | peak RSS MiB (upsert / append) |
|---|---|---|---|---|---|
${main}

Memory at the commits (the most each kind reached, MiB, \`process.memoryUsage()\`; upsert / append):

| engine | rss | heap total | heap used | external | array buffers |
|---|---|---|---|---|---|
${memory}

Commit time as the table grows (mean per commit of the commits that ended in each tenth of the topic;
a commit of an upsert table also writes the position deletes of the keys it replaces):

| engine | records taken | keys in the table | commits | upsert commit ms | append commit ms |
|---|---|---|---|---|---|
${commits}

pyiceberg ${results[0]?.pyiceberg.versions.pyiceberg ?? ''} reading the upsert table (median of ${READ_RUNS} full reads, \`scan().to_arrow()\`), before → after Floe's compaction (\`compactTable\`, default options):

| engine | data files | delete files | deleted positions | plan s | read s | compaction s |
|---|---|---|---|---|---|---|
${reads}
`;
const dir = resolve(import.meta.dirname, '../../../bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `upsert-${date}.json`), `${JSON.stringify(out, null, 2)}\n`);
writeFileSync(join(dir, `upsert-${date}.md`), md);
console.log(md);
process.exit(0);
