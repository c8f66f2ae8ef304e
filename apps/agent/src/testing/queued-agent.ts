import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAgent, enrollAgent, recordAgentEvents, sendJob } from '@floe/api';
import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { type AgentEvent, agentQueueName, type Job, QUEUE_PREFIX } from '@floe/protocol';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { EventReporter } from '../events';
import { startJobRunner } from '../job-runner';
import { decoderFor } from '../pipelines/decoder';
import { pipelineHosts } from '../pipelines/host';
import { PipelineSupervisor } from '../pipelines/supervisor';
import { checkPipeline } from '../policy/check-job';
import type { LoadedPolicy } from '../policy/load-policy';
import { Redactor } from '../policy/redact';
import { SecretResolver } from '../secrets';

/**
 * An agent in this process pulling jobs from its real queue (Redis, as its own ACL user), enrolled
 * in a scratch control-plane database, its events recorded there by the control plane's own code:
 * what the control plane sends it, and what comes back, are both real. `policy` is the agent's.
 */
export async function startQueuedAgent(policy: LoadedPolicy, env: NodeJS.ProcessEnv = process.env) {
  const scratch = await createScratchDatabase();
  scratch.migrate();
  const db: PrismaClient = createPrismaClient(scratch.url);
  const admin = new Redis(env.REDIS_URL as string, { maxRetriesPerRequest: null });
  const org = await db.organization.create({ data: { slug: 'acme', name: 'Acme' } });
  const enrolled = await enrollAgent(db, admin, (await createAgent(db, org.id, 'hostile')).installToken);
  const agentRow = await db.agent.findUniqueOrThrow({ where: { id: enrolled.agentId } });
  const redisUrl = new URL(env.REDIS_URL as string);
  redisUrl.username = '';
  redisUrl.password = '';
  const credentials = { ...enrolled, redis: { ...enrolled.redis, url: redisUrl.toString() } };

  // The control plane's events API, as far as the agent can tell: every batch goes into Postgres.
  const received: AgentEvent[] = [];
  const endpoint = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const batch = JSON.parse(body);
    await recordAgentEvents(db, agentRow, batch);
    received.push(...batch.events);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
  await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
  const endpointUrl = new URL(`http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`);

  const redactor = new Redactor();
  const logs: string[] = [];
  const log = (message: string, fields: Record<string, unknown> = {}) =>
    logs.push(redactor.redact(JSON.stringify({ message, ...fields })));
  const events = new EventReporter(endpointUrl, credentials.apiToken, log, redactor);
  const secrets = new SecretResolver(policy, redactor, env);
  const pipelines = new PipelineSupervisor(pipelineHosts({ secrets, decoderFor, events, log }), log, (spec) =>
    checkPipeline(spec, policy, env),
  );
  const runner = startJobRunner(credentials, events, {
    agentId: credentials.agentId,
    pipelines,
    policy,
    secrets,
  });
  const queue = new Queue(agentQueueName(credentials.agentId), { connection: admin, prefix: QUEUE_PREFIX });

  const outcome = async (jobId: string, ms = 30_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = received.find(
        (e) => (e.type === 'job.finished' || e.type === 'job.failed') && e.jobId === jobId,
      );
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`job ${jobId} reported no outcome`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    agentId: credentials.agentId,
    db,
    admin,
    queue,
    received,
    logs,
    pipelines,
    redactor,
    send: (job: Job) => sendJob(admin, credentials.agentId, job),
    outcome,
    /** Every key of the agent's queue in Redis, with everything stored under it, as text. */
    redisDump: async () => {
      const keys = await admin.keys(`${QUEUE_PREFIX}:${agentQueueName(credentials.agentId)}:*`);
      const parts: string[] = [];
      for (const key of keys) {
        const type = await admin.type(key);
        if (type === 'hash') parts.push(JSON.stringify(await admin.hgetall(key)));
        else if (type === 'string') parts.push((await admin.get(key)) ?? '');
        else if (type === 'list') parts.push(JSON.stringify(await admin.lrange(key, 0, -1)));
        else if (type === 'zset') parts.push(JSON.stringify(await admin.zrange(key, '0', '-1')));
        else if (type === 'set') parts.push(JSON.stringify(await admin.smembers(key)));
        else if (type === 'stream') parts.push(JSON.stringify(await admin.xrange(key, '-', '+')));
      }
      return parts.join('\n');
    },
    /** Every row of every table of the control plane's database, as text. */
    postgresDump: async () => {
      const tables = await db.$queryRawUnsafe<{ tablename: string }[]>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
      );
      const parts: string[] = [];
      for (const { tablename } of tables) {
        const [row] = await db.$queryRawUnsafe<{ rows: string | null }[]>(
          `SELECT json_agg(x)::text AS rows FROM "${tablename}" x`,
        );
        parts.push(`${tablename}: ${row?.rows ?? '[]'}`);
      }
      return parts.join('\n');
    },
    close: async () => {
      await runner.close();
      await pipelines.stopAll();
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await admin.call('ACL', 'DELUSER', credentials.redis.username).catch(() => {});
      admin.disconnect();
      await new Promise<void>((r) => endpoint.close(() => r()));
      await db.$disconnect();
      await scratch.drop();
    },
  };
}
