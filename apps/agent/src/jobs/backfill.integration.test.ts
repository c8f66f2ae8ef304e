import { randomBytes } from 'node:crypto';
import { RestCatalog } from '@floe/iceberg';
import { scanWithPyiceberg } from '@floe/iceberg/testing';
import { createKafka, tableOffsets } from '@floe/ingest';
import { type PipelineSpec, pipelineSpecSchema } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQueuedAgent } from '../testing/queued-agent';
import { stackPolicy } from '../testing/stack-policy';

// The backfill jobs on an agent that runs the live pipeline: pipeline.backfill rebuilds the table on
// its branch with its own consumer (progress as job.progress events), pipeline.backfill-validate
// reports per-partition figures, pipeline.backfill-cutover pauses the live pipeline here, publishes
// the branch and starts the pipeline again; pyiceberg then finds every record of the topic once.

const env = process.env;
const run = randomBytes(4).toString('hex');
const topic = `backfill-job-${run}`;
const namespace = `backfill_job_${run}`;
const PARTITIONS = 2;
const brokers = (env.FLOE_KAFKA_BROKERS as string).split(',');
const kafka = createKafka({ brokers, clientId: 'backfill-job-test', logLevel: 'error' });
const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
const id = { namespace: [namespace], name: 'events' };
let agent: Awaited<ReturnType<typeof startQueuedAgent>>;

const spec: PipelineSpec = pipelineSpecSchema.parse({
  id: `pl-bf-${run}`,
  name: 'events',
  version: 1,
  source: { bootstrapServers: brokers, topics: [topic], startFrom: 'earliest' },
  format: { value: 'json', key: 'string' },
  table: {
    catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
    namespace: [namespace],
    name: 'events',
    storage: {
      bucket: env.FLOE_WAREHOUSE_BUCKET,
      prefix: `backfill-job-${run}`,
      region: env.FLOE_AWS_REGION,
      endpoint: env.FLOE_S3_ENDPOINT,
    },
  },
  commit: { intervalSeconds: 1 },
  deadLetter: { policy: 'skip' },
});

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: env.FLOE_AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: env.FLOE_AWS_SECRET_ACCESS_KEY,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  await catalog.createNamespace([namespace]);
  agent = await startQueuedAgent(stackPolicy());
}, 60_000);

afterAll(async () => {
  await agent?.close();
});

async function produce(from: number, count: number) {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: count }, (_, i) => ({
      value: JSON.stringify({ seq: from + i }),
      partition: (from + i) % PARTITIONS,
    })),
  });
  await producer.disconnect();
}

async function holding(count: number) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const loaded = await catalog.loadTable(id).catch(() => undefined);
    const held = loaded
      ? [...tableOffsets(loaded.metadata, spec.id).values()].reduce((a, b) => a + b, 0n)
      : 0n;
    if (held >= BigInt(count)) return;
    if (Date.now() > deadline)
      throw new Error(`the table holds ${held} of ${count}: ${agent.logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const finished = async (jobId: string, ms = 120_000) => {
  const event = await agent.outcome(jobId, ms);
  if (event.type !== 'job.finished') throw new Error(`job ${jobId} failed: ${JSON.stringify(event)}`);
  return event.result;
};

describe('backfill jobs', () => {
  it('backfills, validates and cuts over beside the live pipeline the agent runs', async () => {
    await produce(0, 2000);
    await finished(await agent.send({ kind: 'pipeline.start', pipeline: spec }));
    await holding(2000);

    const backfill = await agent.send({
      kind: 'pipeline.backfill',
      backfillId: 'b1',
      pipeline: spec,
      start: 'earliest',
      end: 'now',
      maxRecordsPerSecond: 4000,
      maxLiveLagRecords: 100_000,
    });
    expect(await finished(backfill)).toMatchObject({ records: 2000, totalRecords: 2000, deadLetters: 0 });
    const progress = agent.received.filter((e) => e.type === 'job.progress' && e.jobId === backfill);
    expect(progress.at(-1)).toMatchObject({ fraction: 1 });

    await produce(2000, 500);
    await holding(2500);
    const validation = await finished(
      await agent.send({ kind: 'pipeline.backfill-validate', backfillId: 'b1', pipeline: spec }),
    );
    expect(validation).toMatchObject({
      valid: true,
      rows: 2000,
      offsets: 2000,
      duplicates: 0,
      partitions: 2,
    });
    expect(validation[`${topic}:0`]).toBe('1000/1000/0');

    const cut = await finished(
      await agent.send({ kind: 'pipeline.backfill-cutover', backfillId: 'b1', pipeline: spec }),
    );
    expect(cut).toMatchObject({ valid: true, rows: 2500, offsets: 2500, attempts: 1 });
    const { metadata } = await catalog.loadTable(id);
    expect(metadata.currentSnapshotId?.toString()).toBe(cut.snapshotId);
    expect(metadata.refs['backfill-b1']).toBeUndefined();
    expect(agent.pipelines.list().find((p) => p.spec.id === spec.id)?.state).toBe('running');

    await produce(2500, 300);
    await holding(2800);
    const scan = await scanWithPyiceberg([namespace], 'events', { select: ['seq'] });
    const seqs = scan.rows.map((r) => Number(String(r.seq).replace(/^i:/, ''))).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 2800 }, (_, i) => i));

    // A re-partitioning backfill is refused, naming the field, when its spec does not fit the table.
    const refusals = [];
    for (const source of ['created_at', 'seq']) {
      const job = await agent.send({
        kind: 'pipeline.backfill',
        backfillId: `bad-${source.replace('_', '-')}`,
        pipeline: spec,
        start: 'earliest',
        end: 'now',
        partitionBy: [{ source, transform: 'day' }],
      });
      refusals.push(await agent.outcome(job, 60_000));
    }
    expect(refusals.map((e) => e.type === 'job.failed' && e.message)).toEqual([
      expect.stringMatching(/partition field 1 \(day\(created_at\)\): .*created_at/),
      expect.stringMatching(/partition field 1 \(day\(seq\)\): .*day does not apply to long/),
    ]);
    const { metadata: untouched } = await catalog.loadTable(id);
    expect(untouched.partitionSpecs).toHaveLength(1);
    expect(Object.keys(untouched.refs)).toEqual(['main']);
  }, 300_000);
});
