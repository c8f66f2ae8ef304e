import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAgent, enrollAgent, sendJob } from '@floe/api';
import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import {
  type AgentEvent,
  agentQueueName,
  type EnrollmentFor,
  PROTOCOL_VERSION,
  QUEUE_PREFIX,
} from '@floe/protocol';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventReporter, RevokedError } from './events';
import { startJobRunner } from './job-runner';
import { decoderFor } from './pipelines/decoder';
import { pipelineHosts } from './pipelines/host';
import { PipelineSupervisor } from './pipelines/supervisor';
import { checkPipeline } from './policy/check-job';
import { stackPolicy, stackSecrets } from './testing/stack-policy';
import { bullmqJobTransport } from './transport/bullmq';

/** A real HTTP endpoint standing where the control plane's events API stands. */
function eventsEndpoint() {
  const received: AgentEvent[] = [];
  let status = 200;
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (status === 200) received.push(...JSON.parse(body).events);
    res.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
  });
  return {
    received,
    setStatus: (s: number) => {
      status = s;
    },
    listen: () =>
      new Promise<URL>((r) =>
        server.listen(0, '127.0.0.1', () =>
          r(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
        ),
      ),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const waitFor = async <T>(find: () => T | undefined, ms = 30_000): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('the agent pulls its jobs straight from its own BullMQ queue and reports them (real Postgres, Redis, Kafka)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;
  let admin: Redis;
  let credentials: EnrollmentFor<'bullmq'>;
  const endpoint = eventsEndpoint();
  let events: EventReporter;
  let endpointUrl: URL;
  let runner: ReturnType<typeof startJobRunner>;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    admin = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
    const org = await db.organization.create({ data: { slug: 'acme', name: 'Acme' } });
    credentials = await enrollAgent(db, admin, (await createAgent(db, org.id, 'eu-1')).installToken, {
      transport: 'bullmq',
      redisUrl: process.env.REDIS_URL as string,
    });
    endpointUrl = await endpoint.listen();
    events = new EventReporter(endpointUrl, credentials.apiToken);
    const policy = stackPolicy();
    const secrets = stackSecrets(policy);
    runner = startJobRunner(bullmqJobTransport(credentials), events, {
      agentId: credentials.agentId,
      pipelines: new PipelineSupervisor(
        pipelineHosts({ secrets, decoderFor, events, log: () => {} }),
        () => {},
        (spec) => checkPipeline(spec, policy),
      ),
      policy,
      secrets,
    });
  });

  afterAll(async () => {
    await runner?.close();
    await new Queue(agentQueueName(credentials.agentId), {
      connection: admin,
      prefix: QUEUE_PREFIX,
    }).obliterate({ force: true });
    await admin.call('ACL', 'DELUSER', credentials.redis.username).catch(() => {});
    admin?.disconnect();
    await endpoint.close();
    await db?.$disconnect();
    await scratch?.drop();
  });

  const outcome = (jobId: string) =>
    waitFor(() =>
      endpoint.received.find(
        (e) => (e.type === 'job.finished' || e.type === 'job.failed') && e.jobId === jobId,
      ),
    );

  it('tests a Kafka connection from the agent and reports the result as metadata', async () => {
    const jobId = await sendJob(admin, credentials.agentId, {
      kind: 'connection.test',
      connection: {
        type: 'kafka',
        kafka: {
          bootstrapServers: (process.env.FLOE_KAFKA_BROKERS as string).split(','),
          security: { protocol: 'PLAINTEXT' },
        },
      },
    });
    const event = await outcome(jobId);
    expect(event).toMatchObject({ type: 'job.finished', result: { brokers: 1 } });
    expect(endpoint.received.some((e) => e.type === 'job.started' && e.jobId === jobId)).toBe(true);
  });

  it('refuses a job from a newer protocol before running any of it', async () => {
    const queue = new Queue(agentQueueName(credentials.agentId), { connection: admin, prefix: QUEUE_PREFIX });
    const job = await queue.add('pipeline.teleport', {
      protocolVersion: PROTOCOL_VERSION + 1,
      jobId: 'future',
      issuedAt: new Date().toISOString(),
      job: { kind: 'pipeline.teleport' },
    });
    expect(await outcome(job.id as string)).toMatchObject({
      type: 'job.failed',
      errorClass: 'IncompatibleJob',
    });
    expect(endpoint.received.some((e) => e.type === 'job.started' && e.jobId === job.id)).toBe(false);
  });

  it('keeps events while the control plane is away and delivers them, in order, when it returns', async () => {
    const reporter = new EventReporter(new URL('http://127.0.0.1:9'), credentials.apiToken);
    reporter.report({ type: 'error', errorClass: 'A', message: 'first' });
    reporter.report({ type: 'error', errorClass: 'B', message: 'second' });
    expect(await reporter.flush()).toBe(false);
    expect(reporter.pending).toBe(2);

    endpoint.setStatus(503);
    const back = new EventReporter(
      new URL(`http://127.0.0.1:${new URL((events as unknown as { controlPlane: URL }).controlPlane).port}`),
      credentials.apiToken,
    );
    back.report({ type: 'error', errorClass: 'C', message: 'third' });
    expect(await back.flush()).toBe(false);
    endpoint.setStatus(200);
    expect(await back.flush()).toBe(true);
    expect(endpoint.received.at(-1)).toMatchObject({ message: 'third' });

    endpoint.setStatus(401);
    await expect(
      back
        .flush()
        .then(() => back.report({ type: 'error', errorClass: 'D', message: 'x' }))
        .then(() => back.flush()),
    ).rejects.toThrow(RevokedError);
    endpoint.setStatus(200);
  });
});
