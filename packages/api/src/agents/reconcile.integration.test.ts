import { randomBytes } from 'node:crypto';
import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { agentQueueName, decodeJobEnvelope, pipelineSpecSchema, QUEUE_PREFIX } from '@floe/protocol';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileAgent } from './reconcile';

const spec = (id: string) =>
  pipelineSpecSchema.parse({
    id,
    name: id,
    version: 1,
    source: { bootstrapServers: ['127.0.0.1:9092'], topics: ['orders'] },
    format: { value: 'json' },
    table: {
      catalog: { type: 'rest', uri: 'http://127.0.0.1:8181', warehouse: 'w' },
      namespace: ['sales'],
      name: 'orders',
      storage: { bucket: 'warehouse', region: 'us-east-1' },
    },
  });

describe('reconcile: the control plane re-sends desired state from heartbeats (real Postgres and Redis)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;
  const redis = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
  const agentId = `ag-${randomBytes(4).toString('hex')}`;
  const queue = new Queue(agentQueueName(agentId), { connection: redis, prefix: QUEUE_PREFIX });

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    const org = await db.organization.create({ data: { slug: 'acme', name: 'Acme' } });
    const user = await db.user.create({ data: { email: 'o@acme.test' } });
    await db.agent.create({ data: { id: agentId, organizationId: org.id, name: 'one' } });
    for (const [id, status] of [
      [`${agentId}-run`, 'RUNNING'],
      [`${agentId}-paused`, 'PAUSED'],
    ] as const) {
      await db.pipeline.create({
        data: {
          id,
          organizationId: org.id,
          name: id,
          status,
          agentId,
          currentVersion: 1,
          versions: { create: { version: 1, spec: spec(id), createdById: user.id } },
        },
      });
    }
  });

  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    await db?.$disconnect();
    await scratch?.drop();
  });

  const queued = async () =>
    (await queue.getJobs(['waiting']))
      .map((j) => decodeJobEnvelope(j.data).job)
      .map((job) =>
        job.kind === 'pipeline.start'
          ? `start ${job.pipeline.id}`
          : job.kind === 'pipeline.stop'
            ? `stop ${job.pipelineId}`
            : job.kind,
      );

  it('starts what should run and is not running, stops what runs and should not, once per 30 s', async () => {
    const sent = await reconcileAgent(db, redis, agentId, [`${agentId}-paused`]);
    expect(sent).toEqual({ started: [`${agentId}-run`], stopped: [`${agentId}-paused`] });
    expect((await queued()).sort()).toEqual([`start ${agentId}-run`, `stop ${agentId}-paused`]);
    // The next heartbeat 10 s later, before the agent caught up, sends nothing again.
    expect(await reconcileAgent(db, redis, agentId, [`${agentId}-paused`])).toEqual({
      started: [],
      stopped: [],
    });
  });

  it('sends nothing when the agent runs exactly what it should', async () => {
    await redis.del(
      `floe:reconcile:${agentId}:${agentId}-run`,
      `floe:reconcile:${agentId}:${agentId}-paused`,
    );
    expect(await reconcileAgent(db, redis, agentId, [`${agentId}-run`])).toEqual({
      started: [],
      stopped: [],
    });
  });
});
