import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { agentQueueName, decodeJobEnvelope, PROTOCOL_VERSION, QUEUE_PREFIX } from '@floe/protocol';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateAgent, createAgent, enrollAgent } from '../agents/enrollment';
import { recordAgentEvents } from '../agents/events';
import { reconcileAgent } from '../agents/reconcile';
import type { PipelineWizardInput } from '../pipelines/schemas';
import { appRouter } from '../root';
import { createCallerFactory } from '../trpc';

const createCaller = createCallerFactory(appRouter);

describe('agent pools on a real database and Redis', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;
  let redis: Redis;
  let admin: ReturnType<typeof createCaller>;
  let editor: ReturnType<typeof createCaller>;
  let wizard: PipelineWizardInput;
  let poolId: string;
  let enrollmentToken: string;
  const members: { agentId: string; apiToken: string }[] = [];
  const queues: string[] = [];

  /** What waits in an agent's queue, as `start <id>` / `stop <id>`. */
  async function queued(agentId: string) {
    queues.push(agentId);
    const queue = new Queue(agentQueueName(agentId), { connection: redis, prefix: QUEUE_PREFIX });
    try {
      const jobs = await queue.getJobs(['waiting']);
      return jobs
        .sort((a, b) => a.timestamp - b.timestamp)
        .map((j) => decodeJobEnvelope(j.data).job)
        .map((job) =>
          job.kind === 'pipeline.start'
            ? `start ${job.pipeline.id}`
            : job.kind === 'pipeline.stop'
              ? `stop ${job.pipelineId}`
              : job.kind,
        );
    } finally {
      await queue.close();
    }
  }

  const heartbeat = async (agentId: string, running: string[]) => {
    const agent = await db.agent.findUniqueOrThrow({ where: { id: agentId } });
    const event = { type: 'heartbeat', agentVersion: '1.0.0', runningPipelines: running };
    await recordAgentEvents(db, agent, {
      protocolVersion: PROTOCOL_VERSION,
      sentAtMs: Date.now(),
      events: [event],
    });
    return reconcileAgent(db, redis, agentId, running);
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    redis = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
    const org = await db.organization.create({ data: { slug: 'acme', name: 'Acme' } });
    const edId = (await db.user.create({ data: { email: 'ed@acme.test' } })).id;
    await db.membership.create({ data: { organizationId: org.id, userId: edId, role: 'EDITOR' } });
    const adId = (await db.user.create({ data: { email: 'ad@acme.test' } })).id;
    await db.membership.create({ data: { organizationId: org.id, userId: adId, role: 'ADMIN' } });
    editor = createCaller({ db, session: { userId: edId }, redis: () => redis });
    admin = createCaller({ db, session: { userId: adId }, redis: () => redis });
    await admin.connection.create({
      orgSlug: 'acme',
      connection: { type: 'kafka', name: 'kafka', bootstrapServers: 'b:9092', securityProtocol: 'PLAINTEXT' },
    });
    await admin.connection.create({
      orgSlug: 'acme',
      connection: {
        type: 'storage',
        name: 'lake',
        bucket: 'acme-lake',
        region: 'eu-west-1',
        prefix: 'floe/',
      },
    });
    await admin.connection.create({
      orgSlug: 'acme',
      connection: {
        type: 'catalog',
        name: 'catalog',
        catalogType: 'rest',
        uri: 'http://catalog:8181',
        warehouse: 's3://acme-lake/',
      },
    });
    const ids = Object.fromEntries((await db.connection.findMany()).map((c) => [c.name, c.id]));
    wizard = {
      name: 'clicks',
      agentId: '',
      kafkaConnectionId: ids.kafka as string,
      topics: 'clicks',
      startFrom: 'earliest',
      valueFormat: 'json',
      keyFormat: 'string',
      catalogConnectionId: ids.catalog as string,
      storageConnectionId: ids.lake as string,
      namespace: 'web',
      tableName: 'clicks',
      partitionBy: '',
      schemaPolicy: 'evolve',
      commitIntervalSeconds: '5',
      deadLetterPolicy: 'skip',
    };
  });

  afterAll(async () => {
    for (const agentId of queues)
      await new Queue(agentQueueName(agentId), { connection: redis, prefix: QUEUE_PREFIX }).obliterate({
        force: true,
      });
    redis?.disconnect();
    await db?.$disconnect();
    await scratch?.drop();
  });

  it('an admin creates a pool; an editor may not', async () => {
    await expect(editor.pool.create({ orgSlug: 'acme', name: 'ingest' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    ({ id: poolId, enrollmentToken } = await admin.pool.create({ orgSlug: 'acme', name: 'ingest' }));
    await expect(admin.pool.create({ orgSlug: 'acme', name: 'ingest' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: 'pool.create' } });
    expect(audit).toMatchObject({ target: poolId, after: { name: 'ingest' } });
    expect(JSON.stringify({ ...audit, id: String(audit.id) })).not.toContain(enrollmentToken);
  });

  it('every replica enrolls with the one token and gets its own identity and credentials', async () => {
    for (let i = 0; i < 3; i++) members.push(await enrollAgent(db, redis, enrollmentToken));
    expect(new Set(members.map((m) => m.agentId)).size).toBe(3);
    expect(new Set(members.map((m) => m.apiToken)).size).toBe(3);
    for (const m of members) expect((await authenticateAgent(db, m.apiToken))?.id).toBe(m.agentId);
    const [pool] = await admin.pool.list({ orgSlug: 'acme' });
    expect(pool?.members.map((m) => m.id)).toEqual(members.map((m) => m.agentId));
    expect(pool?.members.every((m) => m.name.startsWith('ingest-') && m.status === 'offline')).toBe(true);
    // A new token: the old one enrolls no one more, the members keep their credentials.
    const { enrollmentToken: next } = await admin.pool.newEnrollmentToken({ orgSlug: 'acme', poolId });
    await expect(enrollAgent(db, redis, enrollmentToken)).rejects.toThrow(/not valid/);
    expect((await authenticateAgent(db, members[0]?.apiToken as string))?.id).toBe(members[0]?.agentId);
    enrollmentToken = next;
  });

  it('a pipeline on the pool starts on every online member, and on a member that comes online', async () => {
    const [a, b, c] = members.map((m) => m.agentId) as [string, string, string];
    await heartbeat(a, []);
    await heartbeat(b, []);
    const { id, jobIds } = await editor.pipeline.create({
      orgSlug: 'acme',
      pipeline: { ...wizard, agentId: poolId },
    });
    expect(jobIds).toHaveLength(2);
    expect(await queued(a)).toEqual([`start ${id}`]);
    expect(await queued(b)).toEqual([`start ${id}`]);
    expect(await queued(c)).toEqual([]);
    expect(await heartbeat(c, [])).toEqual({ started: [id], stopped: [] });
    expect(await queued(c)).toEqual([`start ${id}`]);
    const [row] = await editor.pipeline.list({ orgSlug: 'acme' });
    expect(row).toMatchObject({ agentName: 'ingest', onPool: true });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: 'pipeline.create' } });
    expect(audit.after).toMatchObject({ poolId, agentId: null });
  });

  it("members report for the pool's pipeline; an agent outside the pool may not", async () => {
    const [pipeline] = await editor.pipeline.list({ orgSlug: 'acme' });
    const org = await db.organization.findUniqueOrThrow({ where: { slug: 'acme' } });
    const outsider = await enrollAgent(db, redis, (await createAgent(db, org.id, 'solo')).installToken);
    const partitions = [
      { topic: 'clicks', partition: 3, lagRecords: '2', lagSeconds: 1.5 },
      { topic: 'clicks', partition: 0, lagRecords: '1', lagSeconds: null },
    ];
    const metrics = {
      type: 'metrics',
      pipelineId: pipeline?.id,
      recordsPerSecond: 5,
      lagRecords: '3',
      partitions,
    };
    const report = async (agentId: string) =>
      recordAgentEvents(db, await db.agent.findUniqueOrThrow({ where: { id: agentId } }), {
        protocolVersion: PROTOCOL_VERSION,
        sentAtMs: Date.now(),
        events: [metrics],
      });
    expect((await report(members[0]?.agentId as string)).refused).toBeUndefined();
    expect((await report(outsider.agentId)).refused).toEqual([
      { index: 0, reason: `pipeline ${pipeline?.id} is not assigned to this agent` },
    ]);
    // The pipeline page's members: every online member, the one that reported with its partitions in order.
    const shown = await editor.pipeline.members({ orgSlug: 'acme', pipelineId: pipeline?.id as string });
    expect(shown.map((m) => m.agentId).sort()).toEqual(members.map((m) => m.agentId).sort());
    expect(shown.find((m) => m.agentId === members[0]?.agentId)).toMatchObject({
      status: 'online',
      recordsPerSecond: 5,
      lagRecords: '3',
      partitions: [partitions[1], partitions[0]],
    });
    expect(shown.find((m) => m.agentId === members[1]?.agentId)).toMatchObject({
      recordsPerSecond: null,
      partitions: [],
    });
  });

  it('an edit is sent to every online member as pipeline.update; the pool stays the placement', async () => {
    const [pipeline] = await editor.pipeline.list({ orgSlug: 'acme' });
    const id = pipeline?.id as string;
    const { version } = await editor.pipeline.update({
      orgSlug: 'acme',
      pipelineId: id,
      pipeline: { ...wizard, agentId: poolId, commitIntervalSeconds: '10' },
    });
    expect(version).toBe(2);
    for (const m of members) expect((await queued(m.agentId)).at(-1)).toBe('pipeline.update');
    await expect(
      editor.pipeline.update({
        orgSlug: 'acme',
        pipelineId: id,
        pipeline: { ...wizard, agentId: members[0]?.agentId as string },
      }),
    ).rejects.toThrow(/keeps its name and agent/);
  });

  it('pausing stops it on the online members; a member that still runs it is told again', async () => {
    const [pipeline] = await editor.pipeline.list({ orgSlug: 'acme' });
    const id = pipeline?.id as string;
    await editor.pipeline.pause({ orgSlug: 'acme', pipelineId: id });
    for (const m of members) expect((await queued(m.agentId)).at(-1)).toBe(`stop ${id}`);
    // Its first stop may have been lost: the member's heartbeat says it still runs it.
    await redis.del(`floe:reconcile:${members[1]?.agentId}:${id}`);
    expect(await heartbeat(members[1]?.agentId as string, [id])).toEqual({ started: [], stopped: [id] });
  });

  it("refuses another organization's pool", async () => {
    const other = await db.organization.create({ data: { slug: 'other', name: 'Other' } });
    const foreign = await db.agentPool.create({
      data: { id: 'ap-foreign', organizationId: other.id, name: 'x' },
    });
    await expect(
      editor.pipeline.create({
        orgSlug: 'acme',
        pipeline: { ...wizard, name: 'other-pool', agentId: foreign.id },
      }),
    ).rejects.toThrow(/agentId: choose an active agent or a pool of this organization/);
    await expect(
      admin.pool.newEnrollmentToken({ orgSlug: 'acme', poolId: foreign.id }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
