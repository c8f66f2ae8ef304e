// `npm run bench:scale`: one pipeline on 1, 2 and 4 `floe-agent run` processes reading one 16-partition
// topic, with one committer per interval (commit.mode auto) and with every member committing for itself
// (per-member). Once every agent is in the pipeline's consumer group, the benchmark produces the records
// (chunks of 4000, 250 per partition, each sent when the last was acknowledged) and waits for the table
// to hold them all. Per run: records per second (first record sent to the snapshot holding the last),
// records per CPU-second (all the agents' processes, from /proc), snapshots per minute, the commits that
// lost (a hand-over refused, a per-member commit fenced, or retried; from the agents' logs), and produce
// to queryable latency (a chunk's acknowledgement to the first snapshot holding it, per partition).
// Writes bench/results/scale-<date>.{json,md}. Not a test: all of it shares this machine's cores.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { RestCatalog } from '@floe/iceberg';
import { createKafka, decodeOffsets, offsetsKey } from '@floe/ingest';
import { stringify } from 'yaml';
import { writeLocalAgentPolicy } from '../../../infra/local/agent-policy.mjs';
import { loadStackEnv } from '../../../infra/local/env.mjs';
import { agentOutputTail, startAgent } from '../src/testing/chaos';

Object.assign(process.env, {
  ...loadStackEnv(),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  ...process.env,
});
const env = process.env;
// The agents enforce a policy allowing the local stack, as the tests' agents do.
env.FLOE_AGENT_POLICY ??= writeLocalAgentPolicy(env, join(env.FLOE_STACK_DIR as string, 'agent-policy.json'));
const PARTITIONS = 16;
const CHUNK = 4000; // 250 records per partition
const RECORDS = Number(env.FLOE_BENCH_RECORDS ?? 2_000_000);
const INTERVAL_S = 2;
const runs = [
  { agents: 1, mode: 'auto' },
  { agents: 2, mode: 'auto' },
  { agents: 4, mode: 'auto' },
  { agents: 2, mode: 'per-member' },
  { agents: 4, mode: 'per-member' },
] as const;

const brokers = (env.FLOE_KAFKA_BROKERS as string).split(',');
const kafka = createKafka({ brokers, clientId: 'floe-bench-scale', logLevel: 'error' });
const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bench = randomBytes(3).toString('hex');

/** The process's CPU seconds so far (user and system, all threads), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Sends the records chunk by chunk; returns when each chunk was acknowledged. */
async function produce(topic: string): Promise<number[]> {
  const producer = kafka.producer();
  await producer.connect();
  const pad = 'x'.repeat(60);
  const acked: number[] = [];
  for (let from = 0; from < RECORDS; from += CHUNK) {
    const messages = Array.from({ length: CHUNK }, (_, i) => ({
      value: JSON.stringify({ seq: from + i, user: (from + i) % 9973, kind: ['view', 'click'][i % 2], pad }),
      partition: (from + i) % PARTITIONS,
    }));
    await producer.send({ topic, messages });
    acked.push(Date.now());
  }
  await producer.disconnect();
  return acked;
}

function writeSpec(id: string, topic: string, namespace: string, mode: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'floe-bench-scale-')), 'pipeline.yaml');
  writeFileSync(
    path,
    stringify({
      id,
      name: 'scale',
      version: 1,
      source: { bootstrapServers: brokers, topics: [topic], startFrom: 'earliest' },
      format: { value: 'json', key: 'none' },
      table: {
        catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
        namespace: [namespace],
        name: 'events',
        storage: {
          bucket: env.FLOE_WAREHOUSE_BUCKET,
          prefix: 'bench',
          region: env.FLOE_AWS_REGION,
          endpoint: env.FLOE_S3_ENDPOINT,
        },
      },
      commit: { intervalSeconds: INTERVAL_S, mode },
      deadLetter: { policy: 'pause' },
    }),
  );
  return path;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function runOnce({ agents, mode }: (typeof runs)[number]) {
  const id = `scale-${bench}-${agents}-${mode}`;
  const topic = `bench-${id}`;
  const namespace = `scale_${bench}_${agents}_${mode.replace('-', '_')}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await catalog.createNamespace([namespace]);
  const children = Array.from({ length: agents }, () => startAgent(writeSpec(id, topic, namespace, mode)));
  for (let deadline = Date.now() + 180_000; ; await sleep(250)) {
    const [group] = (await admin.describeGroups([`floe-pipeline-${id}`])).groups;
    if (group?.state === 'Stable' && group.members.length === agents) break;
    if (Date.now() > deadline)
      throw new Error(`${id}: the agents did not join\n${agentOutputTail(children[0] as never)}`);
  }
  await admin.disconnect();
  const cpuAtStart = children.map((c) => cpuSeconds(c.pid as number));
  const startedAt = Date.now();
  const acked = await produce(topic);
  const key = offsetsKey(id);
  let metadata: Awaited<ReturnType<typeof catalog.loadTable>>['metadata'] | undefined;
  for (let deadline = Date.now() + 15 * 60_000; ; await sleep(250)) {
    metadata = (await catalog.loadTable({ namespace: [namespace], name: 'events' })).metadata;
    const summary = metadata.snapshots.find((s) => s.snapshotId === metadata?.currentSnapshotId)?.summary;
    const offsets = summary?.[key] === undefined ? new Map() : decodeOffsets(summary[key]);
    if ([...offsets.values()].reduce((n, o) => n + Number(o), 0) >= RECORDS) break;
    if (Date.now() > deadline)
      throw new Error(`${id}: not all committed\n${agentOutputTail(children[0] as never)}`);
  }
  const cpu = children.reduce((n, c, i) => n + cpuSeconds(c.pid as number) - (cpuAtStart[i] ?? 0), 0);
  for (const child of children) child.kill('SIGKILL');
  const logs = children.map((c) => agentOutputTail(c, 100_000_000)).join('\n');
  const count = (pattern: RegExp) => logs.split('\n').filter((l) => pattern.test(l)).length;
  // Chunk k holds offsets [250k, 250(k+1)) of every partition: queryable at the first snapshot past them.
  const snapshots = metadata.snapshots
    .filter((s) => s.summary[key] !== undefined)
    .map((s) => ({ atMs: Number(s.timestampMs), offsets: decodeOffsets(s.summary[key] as string) }))
    .sort((a, b) => a.atMs - b.atMs);
  const latencies: number[] = [];
  const perPartition = CHUNK / PARTITIONS;
  acked.forEach((ackedAt, k) => {
    for (let p = 0; p < PARTITIONS; p += 1) {
      const holding = snapshots.find(
        (s) => (s.offsets.get(`${topic}:${p}`) ?? 0n) >= BigInt((k + 1) * perPartition),
      );
      if (holding !== undefined) latencies.push(Math.max(0, holding.atMs - ackedAt) / 1000);
    }
  });
  latencies.sort((a, b) => a - b);
  const seconds = ((snapshots.at(-1)?.atMs ?? startedAt) - startedAt) / 1000;
  return {
    agents,
    mode,
    records: RECORDS,
    snapshots: snapshots.length,
    seconds: +seconds.toFixed(1),
    producedPerSecond: Math.round(RECORDS / (((acked.at(-1) ?? startedAt) - startedAt) / 1000)),
    recordsPerSecond: Math.round(RECORDS / seconds),
    recordsPerCpuSecond: Math.round(RECORDS / cpu),
    cpuSeconds: +cpu.toFixed(1),
    commitsPerMinute: +((snapshots.length / seconds) * 60).toFixed(1),
    lost: count(/commit fenced|hand-overs refused|raced another writer/),
    retried: count(/commit failed; retrying/),
    latencyP50S: +percentile(latencies, 50).toFixed(2),
    latencyP99S: +percentile(latencies, 99).toFixed(2),
  };
}

const results = [];
for (const run of runs) {
  const result = await runOnce(run);
  console.log(JSON.stringify(result));
  results.push(result);
}
const date = new Date().toISOString().slice(0, 10);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average at the end ${loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')}`;
const dir = join(import.meta.dirname, '..', '..', '..', 'bench', 'results');
writeFileSync(
  join(dir, `scale-${date}.json`),
  `${JSON.stringify({ date, machine, partitions: PARTITIONS, intervalSeconds: INTERVAL_S, results }, null, 2)}\n`,
);
writeFileSync(
  join(dir, `scale-${date}.md`),
  [
    `# Scale benchmark, ${date}`,
    '',
    `- machine: ${machine}; Kafka, the REST catalog, moto S3, the agents and the producer all on it`,
    `- one topic of ${PARTITIONS} partitions; once every agent is in the consumer group, ${RECORDS} JSON records (~120 bytes) are produced in chunks of ${CHUNK}, each sent when the last was acknowledged; commit interval ${INTERVAL_S} s; the engine the agents choose (auto)`,
    '- records/s: first record sent to the snapshot holding the last; CPU: all agent processes over that time; lost: hand-overs refused or per-member commits fenced; retried: commits that failed and were retried (from the agents logs); latency: a chunk acknowledged to the first snapshot holding it, per partition',
    '',
    '| agents | commit mode | produced/s | records/s | records per CPU-s | snapshots | commits/min | lost | retried | latency p50 / p99 s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.agents} | ${r.mode} | ${r.producedPerSecond} | ${r.recordsPerSecond} | ${r.recordsPerCpuSecond} | ${r.snapshots} | ${r.commitsPerMinute} | ${r.lost} | ${r.retried} | ${r.latencyP50S} / ${r.latencyP99S} |`,
    ),
    '',
  ].join('\n'),
);
process.exit(0);
