import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { RestCatalog } from '@floe/iceberg';
import { createKafka } from '@floe/ingest';
import { pipelineSpecSchema } from '@floe/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPipeline } from '../policy/check-job';
import { stackPolicy, stackSecrets } from '../testing/stack-policy';
import { decoderFor } from './decoder';
import { pipelineHosts } from './host';
import { serverPort, startMetricsServer } from './metrics-server';
import { PipelineSupervisor } from './supervisor';

// The autoscaling signal end to end: a pipeline on the local stack (real Kafka, REST catalog, S3) and
// its agent's /metrics scraped over HTTP. Records produced before the first commit show as lag on
// their partition; the commit brings it to 0; records produced after it show again, with seconds.

const env = process.env;
const run = randomBytes(4).toString('hex');
const topic = `lag-${run}`;
const brokers = (env.FLOE_KAFKA_BROKERS as string).split(',');
const kafka = createKafka({ brokers, clientId: 'lag-metrics', logLevel: 'error' });
const cleanups: (() => Promise<unknown>)[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

type Sample = { name: string; labels: Record<string, string>; value: number };

/** The samples of a Prometheus text exposition (the subset the agent writes: no timestamps). */
function parseSamples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { name: match[1] as string, labels, value: Number(match[3]) };
    });
}

async function scrape(server: Server): Promise<Sample[]> {
  const response = await fetch(`http://127.0.0.1:${serverPort(server)}/metrics`);
  expect(response.status).toBe(200);
  return parseSamples(await response.text());
}

/** One gauge per partition of this test's topic, as { partition: value }. */
function perPartition(samples: Sample[], name: string): Record<string, number> {
  return Object.fromEntries(
    samples
      .filter((s) => s.name === name && s.labels.topic === topic)
      .map((s) => [s.labels.partition, s.value]),
  );
}

const commits = (samples: Sample[]) => samples.find((s) => s.name === 'floe_commits_total')?.value;

/** Scrapes until the condition holds (the pipeline fetches and commits on its own schedule). */
async function scrapeUntil(server: Server, holds: (samples: Sample[]) => boolean): Promise<Sample[]> {
  for (;;) {
    const samples = await scrape(server);
    if (holds(samples)) return samples;
    await sleep(200);
  }
}

describe('per-partition lag on /metrics (real Kafka, REST catalog, S3)', () => {
  it('counts uncommitted records per partition, drops to 0 at the commit, ages them, and counts from the table after a restart', {
    timeout: 5 * 60_000,
  }, async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const produce = (partition: number, count: number) =>
      producer.send({
        topic,
        messages: Array.from({ length: count }, (_, i) => ({
          partition,
          value: JSON.stringify({ i, partition }),
        })),
      });
    // Before the pipeline exists: 5 records on partition 0, 3 on partition 1.
    await produce(0, 5);
    await produce(1, 3);

    const namespace = `lag_${run}`;
    await new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string }).createNamespace([namespace]);
    const spec = pipelineSpecSchema.parse({
      id: `pl-lag-${run}`,
      name: 'lag',
      version: 1,
      source: { bootstrapServers: brokers, topics: [topic] },
      format: { value: 'json' },
      table: {
        catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
        namespace: [namespace],
        name: 'events',
        storage: {
          bucket: env.FLOE_WAREHOUSE_BUCKET,
          prefix: 'lag',
          region: env.FLOE_AWS_REGION,
          endpoint: env.FLOE_S3_ENDPOINT,
        },
      },
      // Long enough that the records fetched wait, uncommitted, while the test scrapes.
      commit: { intervalSeconds: 20 },
      deadLetter: { policy: 'skip' },
    });
    const savedAws = {
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
    };
    Object.assign(env, {
      AWS_ACCESS_KEY_ID: env.FLOE_AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.FLOE_AWS_SECRET_ACCESS_KEY,
    });
    cleanups.push(async () => Object.assign(env, savedAws));
    const policy = stackPolicy();
    const supervisor = new PipelineSupervisor(
      pipelineHosts({ secrets: stackSecrets(policy), decoderFor, log: () => {} }),
      () => {},
      (s) => checkPipeline(s, policy),
    );
    cleanups.push(() => supervisor.stopAll());
    const server = await startMetricsServer(supervisor, 0, '127.0.0.1');
    cleanups.push(async () => server.close());
    await supervisor.apply(spec);

    // Fetched, not committed: every record produced is lag on its own partition; no seconds yet, as no
    // record of either partition has been committed.
    const fetched = await scrapeUntil(
      server,
      (s) => Object.keys(perPartition(s, 'floe_pipeline_lag_records')).length === 2,
    );
    expect(commits(fetched)).toBe(0);
    expect(perPartition(fetched, 'floe_pipeline_lag_records')).toEqual({ '0': 5, '1': 3 });
    expect(perPartition(fetched, 'floe_pipeline_lag_seconds')).toEqual({});
    const labelled = fetched.filter((s) => s.name === 'floe_pipeline_lag_records');
    expect(labelled.map((s) => Object.keys(s.labels).sort())).toEqual([
      ['partition', 'pipeline', 'topic'],
      ['partition', 'pipeline', 'topic'],
    ]);
    expect(labelled.every((s) => s.labels.pipeline === spec.id)).toBe(true);

    // The commit: both partitions level with their log end.
    const committed = await scrapeUntil(server, (s) => (commits(s) ?? 0) >= 1);
    expect(perPartition(committed, 'floe_pipeline_lag_records')).toEqual({ '0': 0, '1': 0 });
    expect(perPartition(committed, 'floe_pipeline_lag_seconds')).toEqual({ '0': 0, '1': 0 });

    // Records after the commit: lag again on partition 1 only, aged from its newest committed record.
    await produce(1, 4);
    const behind = await scrapeUntil(server, (s) => perPartition(s, 'floe_pipeline_lag_records')['1'] === 4);
    expect(commits(behind)).toBe(1);
    expect(perPartition(behind, 'floe_pipeline_lag_records')['0']).toBe(0);
    expect(perPartition(behind, 'floe_pipeline_lag_seconds')['0']).toBe(0);
    expect(perPartition(behind, 'floe_pipeline_lag_seconds')['1']).toBeGreaterThan(0);

    // Stopped (its last commit takes the 4), 6 more records arrive on partition 0, then it starts again:
    // before its first commit the lag counts from the table's offsets (5 + 6 - 5), not from offset 0.
    await supervisor.stop(spec.id);
    await produce(0, 6);
    await supervisor.apply(spec);
    const restarted = await scrapeUntil(
      server,
      (s) => perPartition(s, 'floe_pipeline_lag_records')['0'] !== undefined,
    );
    expect(commits(restarted)).toBe(0);
    expect(perPartition(restarted, 'floe_pipeline_lag_records')['0']).toBe(6);
    // Partition 1 has nothing new to fetch, so its log end may not be known yet: when it is, it is level.
    expect(perPartition(restarted, 'floe_pipeline_lag_records')['1'] ?? 0).toBe(0);
  });
});
