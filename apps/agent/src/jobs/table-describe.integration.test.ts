import { randomBytes } from 'node:crypto';
import { RestCatalog } from '@floe/iceberg';
import { createKafka } from '@floe/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgCaller } from '../testing/org-caller';
import { startQueuedAgent } from '../testing/queued-agent';
import { stackConnections } from '../testing/stack-connections';
import { stackPolicy } from '../testing/stack-policy';
import { until } from '../testing/until';

// table.describe end to end: an editor creates a pipeline through the control plane's tRPC API, an
// agent in this process runs it into the stack's REST catalog, and a viewer's table page asks
// (discovery.describeTable) for the table's metadata: columns with ids and types, the partition spec,
// the snapshots the pipeline made (and that ingest made them), totals. The records carry a canary that
// must be in none of it, nor anywhere the control plane keeps things.

const env = process.env;
const run = randomBytes(4).toString('hex');
const topic = `table-describe-${run}`;
const namespace = `table_describe_${run}`;
const canary = `floe-canary-${run}`;
const RECORDS = 25;
const brokers = (env.FLOE_KAFKA_BROKERS as string).split(',');
const kafka = createKafka({ brokers, clientId: 'table-describe-test', logLevel: 'error' });
const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
const orgSlug = 'acme';
let agent: Awaited<ReturnType<typeof startQueuedAgent>>;

beforeAll(async () => {
  // The in-process agent's own AWS identity (the SDK's chain), as a deployed agent has one.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: env.FLOE_AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: env.FLOE_AWS_SECRET_ACCESS_KEY,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  await catalog.createNamespace([namespace]);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: RECORDS }, (_, i) => ({
      value: JSON.stringify({
        order_id: i,
        ordered_at: new Date(Date.UTC(2026, 0, 1 + (i % 3))).toISOString(),
        note: `${canary} ${i}`,
        customer: { email: `${canary}@example.com` },
      }),
    })),
  });
  await producer.disconnect();
  agent = await startQueuedAgent(stackPolicy());
  agent.events.report({ type: 'heartbeat', agentVersion: 'test', runningPipelines: [] });
  await agent.events.flush();
}, 60_000);

/** The pipeline as a user makes it in the wizard: connections, then the wizard's answers. */
async function createPipeline(editor: Awaited<ReturnType<typeof orgCaller>>) {
  const { id } = await editor.pipeline.create({
    orgSlug,
    pipeline: {
      name: 'orders',
      agentId: agent.agentId,
      ...(await stackConnections(editor, orgSlug, `table-describe-${run}`)),
      topics: topic,
      startFrom: 'earliest',
      valueFormat: 'json',
      keyFormat: 'none',
      namespace,
      tableName: 'orders',
      partitionBy: 'day(ordered_at)',
      timestampFields: 'ordered_at:iso8601',
      schemaPolicy: 'evolve',
      engine: 'auto',
      commitIntervalSeconds: 1,
      deadLetterPolicy: 'pause',
    },
  });
  return id;
}

afterAll(async () => {
  await agent?.close();
});

/** Waits up to 90 s for `find`, with the agent's logs in the error. */
const waitFor = <T>(what: string, find: () => T | undefined | Promise<T | undefined>) =>
  until(what, find, 90_000, () => agent.logs.join('\n'));

describe('table.describe', () => {
  it("reads a pipeline's table as metadata: columns, spec, snapshots, totals; no value", async () => {
    const pipelineId = await createPipeline(await orgCaller(agent, 'EDITOR'));
    await waitFor('all records committed', () => {
      const committed = agent.received
        .filter((e) => e.type === 'commit.report')
        .reduce((n, e) => n + (e.type === 'commit.report' ? e.records : 0), 0);
      return committed >= RECORDS ? true : undefined;
    });

    const viewer = await orgCaller(agent, 'VIEWER');
    const asked = await viewer.discovery.describeTable({ orgSlug, pipelineId });
    expect(asked).toMatchObject({ agentOnline: true });
    const answer = await waitFor('the description', async () => {
      const a = await viewer.discovery.tableResult({ orgSlug, jobId: asked.jobId });
      return a.state === 'waiting' ? undefined : a;
    });
    expect(answer).toMatchObject({ state: 'succeeded' });
    const description = answer.description as NonNullable<typeof answer.description>;
    const column = (path: string) => description.columns.find((c) => c.path.join('.') === path);
    expect(column('order_id')).toMatchObject({ type: 'long', required: false });
    expect(column('ordered_at')).toMatchObject({ type: 'timestamptz' });
    expect(column('customer')).toMatchObject({ type: 'struct' });
    expect(column('customer.email')).toMatchObject({ type: 'string' });
    expect(new Set(description.columns.map((c) => c.id)).size).toBe(description.columns.length);
    expect(description.partitionSpec).toEqual([
      expect.objectContaining({ transform: 'day', sourceId: column('ordered_at')?.id }),
    ]);
    expect(description.snapshots.length).toBeGreaterThan(0);
    expect(description.snapshots.every((s) => s.writer === 'ingest' && s.operation === 'append')).toBe(true);
    expect(description.snapshots.reduce((n, s) => n + s.addedRecords, 0)).toBe(RECORDS);
    expect(description.totals.records).toBe(RECORDS);
    expect(description.totals.dataFiles).toBeGreaterThanOrEqual(3);
    expect(description.schemaHistory.at(-1)?.schemaId).toBe(description.currentSchemaId);
    // Small files, all of them: the histogram's first bucket (below 1 MiB) holds every data file.
    expect(description.fileSizes?.[0]).toEqual({
      belowBytes: 1024 * 1024,
      dataFiles: description.totals.dataFiles,
      bytes: description.totals.filesBytes,
    });
    expect(description.fileSizes?.slice(1).every((b) => b.dataFiles === 0)).toBe(true);

    expect(JSON.stringify(answer)).not.toContain(canary);
    expect(JSON.stringify(agent.received)).not.toContain(canary);
    expect(await agent.postgresDump()).not.toContain(canary);
    expect(await agent.redisDump()).not.toContain(canary);
  }, 180_000);
});
