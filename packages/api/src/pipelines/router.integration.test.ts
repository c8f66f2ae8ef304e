import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import {
  agentQueueName,
  decodeJobEnvelope,
  type EnrollmentFor,
  pipelineSpecSchema,
  QUEUE_PREFIX,
} from '@floe/protocol';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, enrollAgent } from '../agents/enrollment';
import { appRouter } from '../root';
import { createCallerFactory } from '../trpc';
import type { PipelineWizardInput } from './schemas';

const createCaller = createCallerFactory(appRouter);

describe('pipelines on a real database and Redis', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;
  let redis: Redis;
  let editor: ReturnType<typeof createCaller>;
  let agent: EnrollmentFor<'bullmq'>;
  let wizard: PipelineWizardInput;
  let adminId: string;

  /** The agent's view of its queue, through its own ACL user. */
  async function agentJobs() {
    const url = new URL(process.env.REDIS_URL as string);
    const connection = new Redis({
      host: url.hostname,
      port: Number(url.port),
      username: agent.redis.username,
      password: agent.redis.password,
      enableReadyCheck: false,
      maxRetriesPerRequest: null,
    });
    const queue = new Queue(agentQueueName(agent.agentId), {
      connection,
      prefix: QUEUE_PREFIX,
      skipVersionCheck: true,
    });
    try {
      const jobs = await queue.getJobs(['waiting']);
      return jobs.sort((a, b) => a.timestamp - b.timestamp).map((j) => decodeJobEnvelope(j.data).job);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    redis = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
    const org = await db.organization.create({ data: { slug: 'acme', name: 'Acme' } });
    const user = await db.user.create({ data: { email: 'ed@acme.test' } });
    await db.membership.create({ data: { organizationId: org.id, userId: user.id, role: 'EDITOR' } });
    adminId = (await db.user.create({ data: { email: 'ad@acme.test' } })).id;
    await db.membership.create({ data: { organizationId: org.id, userId: adminId, role: 'ADMIN' } });
    editor = createCaller({ db, session: { userId: user.id }, redis: () => redis });
    agent = await enrollAgent(db, redis, (await createAgent(db, org.id, 'eu-1')).installToken, {
      transport: 'bullmq',
      redisUrl: process.env.REDIS_URL as string,
    });
    const create = (connection: Parameters<typeof editor.connection.create>[0]['connection']) =>
      editor.connection.create({ orgSlug: 'acme', connection });
    await create({ type: 'kafka', name: 'kafka', bootstrapServers: 'b:9092', securityProtocol: 'PLAINTEXT' });
    await create({ type: 'schema-registry', name: 'registry', url: 'http://registry:8081' });
    await create({
      type: 'storage',
      name: 'lake',
      bucket: 'acme-lake',
      region: 'eu-west-1',
      prefix: 'floe/',
    });
    await create({
      type: 'catalog',
      name: 'catalog',
      catalogType: 'rest',
      uri: 'http://catalog:8181',
      warehouse: 's3://acme-lake/',
    });
    await create({ type: 'aws-role', name: 'role', roleArn: 'arn:aws:iam::123456789012:role/floe' });
    const ids = Object.fromEntries((await db.connection.findMany()).map((c) => [c.name, c.id]));
    wizard = {
      name: 'orders',
      agentId: agent.agentId,
      kafkaConnectionId: ids.kafka as string,
      topics: 'orders.v1, orders.v2',
      startFrom: 'earliest',
      valueFormat: 'avro',
      keyFormat: 'string',
      registryConnectionId: ids.registry,
      catalogConnectionId: ids.catalog as string,
      storageConnectionId: ids.lake as string,
      roleConnectionId: ids.role,
      namespace: 'sales.raw',
      tableName: 'orders',
      partitionBy: 'day(created_at), bucket[16](customer_id)',
      schemaPolicy: 'evolve',
      commitIntervalSeconds: '5',
      deadLetterPolicy: 'dlq',
      deadLetterTopic: 'orders.dlq',
    };
  });

  afterAll(async () => {
    await redis?.call('ACL', 'DELUSER', agent.redis.username).catch(() => {});
    await new Queue(agentQueueName(agent.agentId), { connection: redis, prefix: QUEUE_PREFIX }).obliterate({
      force: true,
    });
    redis?.disconnect();
    await db?.$disconnect();
    await scratch?.drop();
  });

  it('creates a pipeline from the wizard and queues pipeline.start with the full spec for its agent', async () => {
    const { id } = await editor.pipeline.create({ orgSlug: 'acme', pipeline: wizard });
    const [job] = await agentJobs();
    expect(job?.kind).toBe('pipeline.start');
    const spec = job?.kind === 'pipeline.start' ? job.pipeline : undefined;
    expect(spec).toMatchObject({
      id,
      version: 1,
      source: { bootstrapServers: ['b:9092'], topics: ['orders.v1', 'orders.v2'] },
      format: { value: 'avro', schemaRegistry: { url: 'http://registry:8081' } },
      table: {
        namespace: ['sales', 'raw'],
        name: 'orders',
        partitionBy: [
          { source: 'created_at', transform: 'day' },
          { source: 'customer_id', transform: 'bucket[16]' },
        ],
        storage: { bucket: 'acme-lake', roleArn: 'arn:aws:iam::123456789012:role/floe' },
      },
      commit: { intervalSeconds: 5 },
      deadLetter: { policy: 'dlq', topic: 'orders.dlq' },
    });
    expect(spec?.table.storage.externalId).toMatch(/^floe-/);
    const stored = await db.pipelineVersion.findFirstOrThrow({ where: { pipelineId: id } });
    expect(stored.spec).toEqual(spec);
    expect((await editor.pipeline.list({ orgSlug: 'acme' }))[0]).toMatchObject({
      name: 'orders',
      status: 'RUNNING',
      table: 'sales.raw.orders',
    });
  });

  it('pauses (pipeline.stop) and resumes (pipeline.start) through the agent queue', async () => {
    const [pipeline] = await editor.pipeline.list({ orgSlug: 'acme' });
    await editor.pipeline.pause({ orgSlug: 'acme', pipelineId: pipeline?.id as string });
    await editor.pipeline.resume({ orgSlug: 'acme', pipelineId: pipeline?.id as string });
    expect((await agentJobs()).map((j) => j.kind)).toEqual([
      'pipeline.start',
      'pipeline.stop',
      'pipeline.start',
    ]);
  });

  it.each([
    [
      'avro without a registry',
      { registryConnectionId: '' },
      'registryConnectionId',
      /needs a schema registry/,
    ],
    [
      'a partition that is not transform(column)',
      { partitionBy: 'weekly(created_at)' },
      'partitionBy',
      /is not transform\(column\)/,
    ],
    ['a commit interval of 0', { commitIntervalSeconds: '0' }, 'commitIntervalSeconds', /at least 1 second/],
    ['an upper-case table name', { tableName: 'Orders' }, 'tableName', /lowercase/],
    ['dlq without a topic', { deadLetterTopic: '' }, 'deadLetterTopic', /needs a dead-letter topic/],
  ])('refuses %s on its field', async (_what, change, field, message) => {
    const error = await editor.pipeline
      .create({ orgSlug: 'acme', pipeline: { ...wizard, name: 'bad', ...change } })
      .catch((e) => e);
    expect(error.code).toBe('BAD_REQUEST');
    const issue = (JSON.parse(error.message) as { path: string[]; message: string }[]).find(
      (i) => i.path.at(-1) === field,
    );
    expect(issue?.message).toMatch(message);
  });

  it('refuses a connection of the wrong kind or another organization', async () => {
    const other = await db.organization.create({ data: { slug: 'other', name: 'Other' } });
    const foreign = await db.connection.create({
      data: {
        organizationId: other.id,
        name: 'k',
        type: 'kafka',
        config: { type: 'kafka', kafka: { bootstrapServers: ['x:1'], security: { protocol: 'PLAINTEXT' } } },
      },
    });
    await expect(
      editor.pipeline.create({
        orgSlug: 'acme',
        pipeline: { ...wizard, name: 'x1', kafkaConnectionId: foreign.id },
      }),
    ).rejects.toThrow(/kafkaConnectionId/);
    await expect(
      editor.pipeline.create({
        orgSlug: 'acme',
        pipeline: { ...wizard, name: 'x2', kafkaConnectionId: wizard.storageConnectionId },
      }),
    ).rejects.toThrow(/kafkaConnectionId/);
  });

  it('an upsert table from the wizard: its spec carries the mode and the key fields the agent keys rows by', async () => {
    const { id } = await editor.pipeline.create({
      orgSlug: 'acme',
      pipeline: {
        ...wizard,
        name: 'accounts',
        tableName: 'accounts',
        changesMode: 'upsert',
        keyFields: 'id, region',
      },
    });
    const stored = await db.pipelineVersion.findFirstOrThrow({ where: { pipelineId: id } });
    expect(pipelineSpecSchema.parse(stored.spec).changes).toEqual({
      mode: 'upsert',
      key: ['id', 'region'],
      deletes: 'deletion-vectors',
    });
    const v2 = await editor.pipeline.create({
      orgSlug: 'acme',
      pipeline: {
        ...wizard,
        name: 'ledger',
        tableName: 'ledger',
        changesMode: 'upsert',
        keyFields: 'id',
        changeDeletes: 'position-deletes',
      },
    });
    const storedV2 = await db.pipelineVersion.findFirstOrThrow({ where: { pipelineId: v2.id } });
    expect(pipelineSpecSchema.parse(storedV2.spec).changes).toMatchObject({ deletes: 'position-deletes' });
  });
});
