// Benchmark (not a test), `npm run bench:soak`: is the agent's memory bounded and its CPU per record
// flat over a long run at full speed? One engine (FLOE_BENCH_ENGINE, default native) ingests a topic
// for FLOE_SOAK_SECONDS (default 600) while this process produces to it as fast as it can; every
// minute it records the ingesting process's resident memory (peak and at the minute's end), the
// records committed and their CPU seconds. Results: bench/results/soak-<date>.json and .md.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { INGEST_NODE_FLAGS } from '../src/index';
import { cpuSeconds, machine, rssMiB } from './proc';
import { createTopic, produce } from './topic';

const env = process.env;
const SECONDS = Number(env.FLOE_SOAK_SECONDS ?? 600);
const ENGINE = env.FLOE_BENCH_ENGINE ?? 'native';
/** Committed totals the ingesting process reports on; fine enough for a per-minute count. */
const STEP = 50_000;
const topic = `bench-soak-${ENGINE}-${Math.random().toString(16).slice(2, 10)}`;

interface Minute {
  minute: number;
  rss_peak_mib: number;
  rss_end_mib: number;
  records: number;
  records_per_cpu_s: number | null;
}

await createTopic(topic);
const child = spawn(
  process.execPath,
  [
    ...INGEST_NODE_FLAGS,
    '--import',
    'tsx',
    join(import.meta.dirname, 'ingest-process.ts'),
    'ingest',
    topic,
    `every:${STEP}`,
    ENGINE,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
);
const pid = child.pid as number;
let committed = 0;
let ready = false;
const lines = (async () => {
  for await (const line of createInterface({ input: child.stdout })) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line);
    if (event.event === 'ready') ready = true;
    if (event.event === 'reached') committed = event.target;
    if (event.event === 'error') console.error(`  ${ENGINE}: ${event.message}`);
  }
})();
while (!ready) await new Promise((r) => setTimeout(r, 100));

// The producer keeps going in chunks until the soak ends; the ingesting process keeps up or falls behind.
let producing = true;
let produced = 0;
const producer = (async () => {
  while (producing) {
    await produce(topic, produced, 100_000);
    produced += 100_000;
  }
})();

console.log(`soak: ${ENGINE} engine for ${SECONDS} s on ${topic}…`);
const minutes: Minute[] = [];
let last = { cpu: cpuSeconds(pid), committed: 0 };
let peak = 0;
const started = Date.now();
for (let second = 1; second <= SECONDS; second += 1) {
  await new Promise((r) => setTimeout(r, started + second * 1000 - Date.now()));
  peak = Math.max(peak, rssMiB(pid));
  if (second % 60 !== 0 && second !== SECONDS) continue;
  const now = { cpu: cpuSeconds(pid), committed };
  const records = now.committed - last.committed;
  minutes.push({
    minute: Math.ceil(second / 60),
    rss_peak_mib: Math.round(peak),
    rss_end_mib: Math.round(rssMiB(pid)),
    records,
    records_per_cpu_s: records === 0 ? null : Math.round(records / (now.cpu - last.cpu)),
  });
  console.log(JSON.stringify(minutes.at(-1)));
  last = now;
  peak = 0;
}
producing = false;
child.kill('SIGTERM');
await Promise.all([producer, lines]);

const date = new Date().toISOString().slice(0, 10);
const out = {
  date: new Date().toISOString(),
  machine: machine(),
  engine: ENGINE,
  seconds: SECONDS,
  produced,
  minutes,
};
const md = `# Soak benchmark, ${date}

- machine: ${out.machine}
- the ${ENGINE} engine ingests one topic (4 partitions, bench events of ~420 bytes) for ${SECONDS} s while the
  benchmark produces to it as fast as it can (${produced} records produced); all on this machine
- per minute: the ingesting process's resident memory (peak, and at the minute's end), records
  committed, and records per CPU-second of the whole process in that minute

| minute | RSS peak MiB | RSS at end MiB | records committed | records per CPU-s |
|---|---|---|---|---|
${minutes.map((m) => `| ${m.minute} | ${m.rss_peak_mib} | ${m.rss_end_mib} | ${m.records} | ${m.records_per_cpu_s ?? '—'} |`).join('\n')}
`;
const dir = resolve(import.meta.dirname, '../../../bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `soak-${date}.json`), `${JSON.stringify(out, null, 2)}\n`);
writeFileSync(join(dir, `soak-${date}.md`), md);
console.log(md);
process.exit(0);
