import { sendJob, type TransportSetting } from '@floe/api';
import { agentQueueName, type Job, QUEUE_PREFIX } from '@floe/protocol';
import { Queue } from 'bullmq';
import { jobTransport } from '../agent';
import { EventReporter } from '../events';
import { startJobRunner } from '../job-runner';
import { decoderFor } from '../pipelines/decoder';
import { pipelineHosts } from '../pipelines/host';
import { PipelineSupervisor } from '../pipelines/supervisor';
import { checkPipeline } from '../policy/check-job';
import type { LoadedPolicy } from '../policy/load-policy';
import { Redactor } from '../policy/redact';
import { SecretResolver } from '../secrets';
import { startControlPlane } from './control-plane';

/**
 * An agent in this process, enrolled with the control plane's own agent API (on a loopback port, a
 * scratch database, the stack's Redis) and pulling jobs through the transport enrollment gave it: the
 * HTTPS API (the default) or BullMQ as its own ACL user. What the control plane sends it, and what
 * comes back, are both real. `policy` is the agent's.
 */
export async function startQueuedAgent(
  policy: LoadedPolicy,
  env: NodeJS.ProcessEnv = process.env,
  transport: TransportSetting['transport'] = 'https',
) {
  const controlPlane = await startControlPlane(
    transport === 'https' ? { transport } : { transport, redisUrl: env.REDIS_URL as string },
    env,
  );
  const { db, admin, received } = controlPlane;
  const credentials = await controlPlane.enroll('hostile');

  const redactor = new Redactor();
  const logs: string[] = [];
  const log = (message: string, fields: Record<string, unknown> = {}) =>
    logs.push(redactor.redact(JSON.stringify({ message, ...fields })));
  const events = new EventReporter(controlPlane.url, credentials.apiToken, log, redactor);
  const secrets = new SecretResolver(policy, redactor, env);
  const pipelines = new PipelineSupervisor(pipelineHosts({ secrets, decoderFor, events, log }), log, (spec) =>
    checkPipeline(spec, policy, env),
  );
  const runner = startJobRunner(
    jobTransport(controlPlane.url, credentials, log),
    events,
    { agentId: credentials.agentId, pipelines, policy, secrets },
    log,
  );
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
    credentials,
    db,
    admin,
    queue,
    received,
    logs,
    events,
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
      await admin.call('ACL', 'DELUSER', `agent-${credentials.agentId}`).catch(() => {});
      await controlPlane.close();
    },
  };
}
