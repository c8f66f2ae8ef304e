import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { agentQueueName, decodeJobEnvelope, jobEnvelopeSchema, QUEUE_PREFIX } from '@floe/protocol';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPipelineSpec } from '../pipelines/build-spec';
import { pipelineWizardSchema } from '../pipelines/schemas';
import { appRouter } from '../root';
import { createCallerFactory } from '../trpc';
import { createAgent, enrollAgent } from './enrollment';

const createCaller = createCallerFactory(appRouter);

describe('a connection test of storage or Glue acts as the AWS role a pipeline would (real database and Redis)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;
  let redis: Redis;
  let queue: Queue;
  let editor: ReturnType<typeof createCaller>;
  let agent: Awaited<ReturnType<typeof enrollAgent>>;
  let orgId: string;
  const ids: Record<string, string> = {};

  /** The job a test call queued, as the agent decodes it, and the version its envelope names. */
  async function queued(jobId: string) {
    const data = (await queue.getJob(jobId))?.data;
    return { version: jobEnvelopeSchema.parse(data).protocolVersion, job: decodeJobEnvelope(data).job };
  }
  const test = (name: string, roleConnectionId?: string | null) =>
    editor.connection.test({
      orgSlug: 'acme',
      connectionId: ids[name] as string,
      ...(roleConnectionId !== undefined && { roleConnectionId }),
    });

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    redis = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
    const org = await db.organization.create({ data: { slug: 'acme', name: 'Acme' } });
    orgId = org.id;
    const user = await db.user.create({ data: { email: 'ed@acme.test' } });
    await db.membership.create({ data: { organizationId: org.id, userId: user.id, role: 'EDITOR' } });
    editor = createCaller({ db, session: { userId: user.id }, redis: () => redis });
    agent = await enrollAgent(db, redis, (await createAgent(db, org.id, 'eu-1')).installToken);
    await db.agent.update({ where: { id: agent.agentId }, data: { lastHeartbeatAt: new Date() } });
    queue = new Queue(agentQueueName(agent.agentId), { connection: redis, prefix: QUEUE_PREFIX });
    const create = async (connection: Parameters<typeof editor.connection.create>[0]['connection']) => {
      ids[connection.name] = (await editor.connection.create({ orgSlug: 'acme', connection })).id;
    };
    await create({ type: 'kafka', name: 'kafka', bootstrapServers: 'b:9092', securityProtocol: 'PLAINTEXT' });
    await create({
      type: 'storage',
      name: 'lake',
      bucket: 'acme-lake',
      region: 'eu-west-1',
      prefix: 'floe/',
    });
    await create({ type: 'catalog', name: 'glue', catalogType: 'glue', region: 'eu-west-1' });
    await create({
      type: 'catalog',
      name: 'rest',
      catalogType: 'rest',
      uri: 'http://catalog:8181',
      warehouse: 's3://acme-lake/',
    });
  });

  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => {});
    await queue?.close();
    redis?.disconnect();
    await db?.$disconnect();
    await scratch?.drop();
  });

  it("tests as the agent's own identity while the organization has no AWS role", async () => {
    const started = await test('lake');
    expect(started.role).toBeNull();
    expect(await queued(started.jobId)).toEqual({
      version: 1,
      job: {
        kind: 'connection.test',
        connection: {
          type: 'storage',
          storage: { bucket: 'acme-lake', prefix: 'floe/', region: 'eu-west-1' },
        },
      },
    });
  });

  it('says how the test stands as the agent reports it: waiting, running, then its answer', async () => {
    const { jobId } = await test('kafka');
    const result = () => editor.connection.testResult({ orgSlug: 'acme', jobId });
    const report = (type: string, extra: object = {}) =>
      db.agentEvent.create({
        data: { agentId: agent.agentId, type, sentAt: new Date(), payload: { type, jobId, ...extra } },
      });
    expect((await result()).state).toBe('waiting');
    await report('job.started');
    expect((await result()).state).toBe('running');
    await report('job.failed', { errorClass: 'KafkaJSConnectionError', message: 'broker b:9092 refused' });
    expect(await result()).toEqual({ state: 'failed', result: null, message: 'broker b:9092 refused' });
  });

  it("puts the organization's AWS role in storage and Glue tests as a pipeline spec carries it", async () => {
    await editor.connection.create({
      orgSlug: 'acme',
      connection: { type: 'aws-role', name: 'writer', roleArn: 'arn:aws:iam::123456789012:role/floe-writer' },
    });
    ids.writer = (await db.connection.findFirstOrThrow({ where: { name: 'writer' } })).id;
    // What a pipeline made from the lake and that role assumes.
    const wizard = pipelineWizardSchema.parse({
      name: 'orders',
      agentId: agent.agentId,
      kafkaConnectionId: ids.kafka,
      topics: 'orders',
      startFrom: 'earliest',
      valueFormat: 'json',
      keyFormat: 'string',
      catalogConnectionId: ids.glue,
      storageConnectionId: ids.lake,
      roleConnectionId: ids.writer,
      namespace: 'sales',
      tableName: 'orders',
      partitionBy: '',
      schemaPolicy: 'evolve',
      commitIntervalSeconds: '10',
      deadLetterPolicy: 'skip',
    });
    const spec = await buildPipelineSpec(db, orgId, 'p-1', 1, wizard);
    const { roleArn, externalId } = spec.table.storage;
    expect(externalId).toMatch(/^floe-[0-9a-f]{32}$/);

    for (const name of ['lake', 'glue']) {
      const started = await test(name);
      expect(started.role).toBe(roleArn);
      const { version, job } = await queued(started.jobId);
      // Version 2: an agent that would drop the role refuses the job rather than test as itself.
      expect(version).toBe(2);
      expect(job).toMatchObject({ kind: 'connection.test', roleArn, externalId });
    }
    // Kafka and a REST catalog are not reached with the AWS role.
    for (const name of ['kafka', 'rest']) {
      const started = await test(name);
      expect(started.role).toBeNull();
      expect((await queued(started.jobId)).job).not.toHaveProperty('roleArn');
    }
    await expect(test('kafka', ids.writer)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('a kafka connection is not tested as an AWS role'),
    });
  });

  it('asks which role when the organization has several, and takes the one chosen (or none)', async () => {
    const other = await editor.connection.create({
      orgSlug: 'acme',
      connection: { type: 'aws-role', name: 'reader', roleArn: 'arn:aws:iam::123456789012:role/floe-reader' },
    });
    await expect(test('lake')).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message:
        'this organization has 2 AWS roles (reader, writer): choose the one its pipelines use with this connection',
    });
    const chosen = await test('glue', other.id);
    expect(chosen.role).toBe('arn:aws:iam::123456789012:role/floe-reader');
    expect((await queued(chosen.jobId)).job).toMatchObject({ externalId: other.externalId });
    const none = await test('lake', null);
    expect(none.role).toBeNull();
    expect((await queued(none.jobId)).version).toBe(1);
    // A connection that is not one of the organization's AWS roles is no choice.
    await expect(test('lake', ids.kafka)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'roleConnectionId: choose an AWS role connection of this organization',
    });
  });
});
