import { randomBytes } from 'node:crypto';
import { RestCatalog } from '@floe/iceberg';
import { createKafka } from '@floe/ingest';
import {
  AGENT_API,
  AGENT_API_MAX_BODY_BYTES,
  type ClaimedJob,
  type EnrollmentFor,
  type JobLease,
  JobLeaseError,
  pipelineSpecSchema,
} from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevokedError } from '../events';
import { startControlPlane } from '../testing/control-plane';
import { startQueuedAgent } from '../testing/queued-agent';
import { stackPolicy } from '../testing/stack-policy';
import { HttpsJobTransport } from './https';

// Agents on the HTTPS transport (the default): every job comes through the control plane's agent API
// with the agent's token, BullMQ stays behind that API, and the agent holds no Redis login at all.
// Real Postgres, Redis, Kafka, REST catalog and object store; the API is the control plane's own code.

const env = process.env;
const run = randomBytes(4).toString('hex');
const topic = `https-agent-${run}`;
const namespace = `https_agent_${run}`;
const kafka = createKafka({
  brokers: (env.FLOE_KAFKA_BROKERS as string).split(','),
  clientId: 'https-agent',
  logLevel: 'error',
});
const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
const spec = pipelineSpecSchema.parse({
  id: `https-${run}`,
  name: 'https agent',
  version: 1,
  source: { bootstrapServers: (env.FLOE_KAFKA_BROKERS as string).split(','), topics: [topic] },
  format: { value: 'json' },
  table: {
    catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
    namespace: [namespace],
    name: 'orders',
    storage: {
      bucket: env.FLOE_WAREHOUSE_BUCKET,
      prefix: 'https-agent',
      region: env.FLOE_AWS_REGION,
      endpoint: env.FLOE_S3_ENDPOINT,
    },
  },
  commit: { intervalSeconds: 1 },
  deadLetter: { policy: 'pause' },
});

describe('an agent on the HTTPS transport runs its jobs with no Redis login', () => {
  let agent: Awaited<ReturnType<typeof startQueuedAgent>>;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    // The agent's own AWS identity (an instance role or IRSA in a customer's account) writes the table.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: env.FLOE_AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.FLOE_AWS_SECRET_ACCESS_KEY,
    });
    agent = await startQueuedAgent(stackPolicy());
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    await catalog.createNamespace([namespace]);
  });

  afterAll(async () => {
    process.env = savedEnv;
    await agent?.close();
    await catalog.dropTable({ namespace: [namespace], name: 'orders' }).catch(() => {});
    await catalog.dropNamespace([namespace]).catch(() => {});
  });

  it('was told at enrollment to use HTTPS, and was given no Redis login', async () => {
    expect(agent.credentials).toEqual({
      transport: 'https',
      agentId: agent.agentId,
      apiToken: expect.stringMatching(/^floe_at_/),
    });
    expect((await agent.admin.call('ACL', 'USERS')) as string[]).not.toContain(`agent-${agent.agentId}`);
    const row = await agent.db.agent.findUniqueOrThrow({ where: { id: agent.agentId } });
    expect(row.redisPasswordHash).toBeNull();
  });

  it('tests a Kafka connection, its result back in the queue and in the control plane’s database', async () => {
    const jobId = await agent.send({
      kind: 'connection.test',
      connection: {
        type: 'kafka',
        kafka: {
          bootstrapServers: (env.FLOE_KAFKA_BROKERS as string).split(','),
          security: { protocol: 'PLAINTEXT' },
        },
      },
    });
    expect(await agent.outcome(jobId)).toMatchObject({ type: 'job.finished', result: { brokers: 1 } });
    const job = await agent.queue.getJob(jobId);
    expect(await job?.getState()).toBe('completed');
    expect(job?.returnvalue).toMatchObject({ brokers: 1 });
    const stored = await agent.db.agentEvent.findMany({
      where: { agentId: agent.agentId, type: 'job.finished' },
    });
    expect(stored.map((e) => (e.payload as { jobId: string }).jobId)).toContain(jobId);
  });

  it('runs a pipeline that commits what the topic holds, compacts its table, and stops it', {
    timeout: 180_000,
  }, async () => {
    const started = await agent.send({ kind: 'pipeline.start', pipeline: spec });
    expect(await agent.outcome(started)).toMatchObject({
      type: 'job.finished',
      result: { pipelineId: spec.id, state: 'running' },
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({
        value: JSON.stringify({ order: i, total: i * 1.5 }),
      })),
    });
    await producer.disconnect();
    const committed = () =>
      agent.received
        .filter((e) => e.type === 'commit.report' && e.pipelineId === spec.id)
        .reduce((sum, e) => sum + (e.type === 'commit.report' ? e.records : 0), 0);
    const deadline = Date.now() + 60_000;
    while (committed() < 20) {
      if (Date.now() > deadline)
        throw new Error(`the pipeline committed ${committed()} of 20 records:\n${agent.logs.join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const compacted = await agent.send({
      kind: 'table.compact',
      table: {
        catalog: spec.table.catalog,
        namespace: [namespace],
        name: 'orders',
        storage: spec.table.storage,
      },
      targetFileSizeBytes: 128 * 1024 * 1024,
    });
    expect(await agent.outcome(compacted, 60_000)).toMatchObject({ type: 'job.finished' });

    const stopped = await agent.send({ kind: 'pipeline.stop', pipelineId: spec.id });
    expect(await agent.outcome(stopped)).toMatchObject({
      type: 'job.finished',
      result: { state: 'stopped' },
    });
    for (const jobId of [started, compacted, stopped])
      expect(await (await agent.queue.getJob(jobId))?.getState()).toBe('completed');
  });
});

describe('the agent API keeps each agent to its own jobs', () => {
  let controlPlane: Awaited<ReturnType<typeof startControlPlane>>;
  let mine: HttpsJobTransport;
  let theirs: HttpsJobTransport;
  let me: EnrollmentFor<'https'>;
  let job: ClaimedJob | null = null;

  beforeAll(async () => {
    controlPlane = await startControlPlane();
    const enrolled = [await controlPlane.enroll('mine'), await controlPlane.enroll('theirs')];
    for (const e of enrolled) if (e.transport !== 'https') throw new Error('enrolled for BullMQ');
    me = enrolled[0] as EnrollmentFor<'https'>;
    mine = new HttpsJobTransport(controlPlane.url, me.apiToken);
    theirs = new HttpsJobTransport(controlPlane.url, (enrolled[1] as EnrollmentFor<'https'>).apiToken);
  });

  afterAll(async () => {
    await controlPlane?.close();
  });

  const post = (path: string, body: string, token = me.apiToken) =>
    fetch(new URL(path, controlPlane.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body,
    });

  it('another agent cannot claim, renew, complete or fail my job', { timeout: 60_000 }, async () => {
    const { sendJob } = await import('@floe/api');
    const jobId = await sendJob(controlPlane.admin, me.agentId, { kind: 'pipeline.stop', pipelineId: 'p-1' });
    // Their claim waits its whole long poll and finds nothing, though my job is queued all along.
    expect(await theirs.claim()).toBeNull();
    job = await mine.claim();
    expect(job).toMatchObject({ jobId, attempt: 1, envelope: { jobId, job: { kind: 'pipeline.stop' } } });
    const held = job as ClaimedJob;
    const notTheirs = `no job ${jobId} in this agent's queue`;
    await expect(theirs.heartbeat(held)).rejects.toThrow(new JobLeaseError(notTheirs));
    await expect(theirs.complete(held, { state: 'stopped' })).rejects.toThrow(new JobLeaseError(notTheirs));
    await expect(theirs.fail(held, { errorClass: 'X', message: 'sabotage', final: true })).rejects.toThrow(
      new JobLeaseError(notTheirs),
    );
    // With my job id but another lease (a claim of mine that lost it) the job is not touched either.
    const stale: JobLease = { jobId, lease: 'not-the-lease' };
    await expect(mine.complete(stale, { state: 'stopped' })).rejects.toThrow(/is not held with this lease/);
    expect(await await controlPlane.admin.call('EXISTS', `floe:agent-${me.agentId}:${jobId}`)).toBe(1);

    await mine.heartbeat(held);
    await mine.complete(held, { state: 'stopped' });
    await expect(mine.complete(held, { state: 'stopped' })).rejects.toThrow(/is not held with this lease/);
  });

  it('refuses a request without a valid token, an oversized body and a malformed one, saying why', async () => {
    const noToken = await fetch(new URL(AGENT_API.claim, controlPlane.url), { method: 'POST', body: '{}' });
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({
      error: 'no agent token: send it as "Authorization: Bearer floe_at_…"',
    });
    await expect(new HttpsJobTransport(controlPlane.url, 'floe_at_forged').claim()).rejects.toThrow(
      RevokedError,
    );

    const huge = JSON.stringify({
      jobId: 'j',
      lease: 'l',
      result: { x: 'y'.repeat(AGENT_API_MAX_BODY_BYTES.complete) },
    });
    const tooLarge = await post(AGENT_API.complete, huge);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({
      error: `request body over ${AGENT_API_MAX_BODY_BYTES.complete} bytes, the limit of complete`,
    });

    const malformed = await post(AGENT_API.fail, JSON.stringify({ jobId: 'j', lease: 'l', message: 'm' }));
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/^errorClass: .*; final: /);

    const notJson = await post(AGENT_API.heartbeat, 'jobId=j');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: string }).error).toMatch(/^request body is not JSON/);
  });
});
