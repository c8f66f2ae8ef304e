import { decodeJobEnvelope, IncompatibleJobError, type Job } from '@floe/protocol';
import { type Job as BullJob, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { storageCredentials } from './aws/storage-credentials';
import type { AgentCredentials } from './credentials';
import type { EventReporter } from './events';
import { connectionTestCredentials, type TestResult, testConnection } from './jobs/connection-test';
import { runMaintenance } from './jobs/maintenance';
import type { PipelineSupervisor } from './pipelines/supervisor';
import { checkJob } from './policy/check-job';
import type { LoadedPolicy } from './policy/load-policy';
import { PolicyError } from './policy/policy-error';
import type { SecretResolver } from './secrets';

/** What a job may use of the agent: its policy, and the secret resolver bound to that policy. */
export interface JobContext {
  agentId: string;
  pipelines: PipelineSupervisor;
  policy: LoadedPolicy;
  secrets: SecretResolver;
}

/** What this agent version can run; anything else fails with a clear reason and is not retried. */
async function runJob(job: Job, jobId: string, context: JobContext): Promise<TestResult> {
  const { agentId, pipelines, policy, secrets } = context;
  // The whole job against the agent's own policy, before any connection is opened or secret read.
  checkJob(job, policy);
  switch (job.kind) {
    case 'connection.test':
      // As the role a pipeline using the connection would assume, when the job names one.
      return testConnection(job.connection, secrets, process.env, {
        awsCredentials: connectionTestCredentials(job, agentId, jobId),
      });
    case 'pipeline.start':
    case 'pipeline.update': {
      await pipelines.apply(job.pipeline);
      const state = pipelines.list().find((p) => p.spec.id === job.pipeline.id);
      return { pipelineId: job.pipeline.id, version: job.pipeline.version, state: state?.state ?? 'stopped' };
    }
    case 'pipeline.stop':
      await pipelines.stop(job.pipelineId);
      return { pipelineId: job.pipelineId, state: 'stopped' };
    case 'table.compact':
    case 'table.expire-snapshots':
    case 'table.remove-orphans':
      return runMaintenance(job, {
        resolveSecret: secrets.resolve,
        awsCredentials: storageCredentials(job.table.storage, agentId, jobId),
      });
    default:
      throw new UnrecoverableError(`this agent version cannot run ${job.kind} jobs yet`);
  }
}

const MAX_MESSAGE = 2000;

async function handle(bullJob: BullJob, context: JobContext, events: EventReporter) {
  const jobId = bullJob.id ?? 'unknown';
  const { redactor } = context.secrets;
  let envelope: ReturnType<typeof decodeJobEnvelope>;
  try {
    envelope = decodeJobEnvelope(bullJob.data);
  } catch (error) {
    const errorClass = error instanceof IncompatibleJobError ? 'IncompatibleJob' : 'MalformedJob';
    const message = redactor.redact((error as Error).message);
    events.report({ type: 'job.failed', jobId, errorClass, message });
    throw new UnrecoverableError(message.slice(0, MAX_MESSAGE));
  }
  events.report({ type: 'job.started', jobId });
  try {
    // What goes back to the queue (Redis) is redacted as the events are.
    const result = redactor.redactDeep(await runJob(envelope.job, jobId, context));
    events.report({ type: 'job.finished', jobId, result });
    return result;
  } catch (error) {
    const clean = redactor.redactError(error);
    // A long message is cut to fit (with a marker) by the reporter, never dropped.
    events.report({ type: 'job.failed', jobId, errorClass: clean.name, message: clean.message });
    // BullMQ keeps the message and stack in Redis: only the redacted ones go there. A job the policy
    // refuses, or one this version cannot run, would fail the same way again: no retries.
    if (error instanceof PolicyError || error instanceof UnrecoverableError) {
      const final = new UnrecoverableError(clean.message);
      final.stack = clean.stack;
      throw final;
    }
    throw clean;
  }
}

/** Pulls jobs from the agent's own queue, as its own Redis user, and reports how each went. */
export function startJobRunner(credentials: AgentCredentials, events: EventReporter, context: JobContext) {
  const url = new URL(credentials.redis.url);
  const connection = new Redis({
    host: url.hostname,
    port: Number(url.port || 6379),
    tls: url.protocol === 'rediss:' ? {} : undefined,
    username: credentials.redis.username,
    password: credentials.redis.password,
    // The ACL grants no INFO: skip the ready check and BullMQ's version check that use it.
    enableReadyCheck: false,
    maxRetriesPerRequest: null,
  });
  const worker = new Worker(
    credentials.queue.name,
    async (bullJob: BullJob) => {
      try {
        return await handle(bullJob, context, events);
      } finally {
        // Not awaited, so it must not reject: a revoked token is the heartbeat's to act on.
        void events.flushQuietly();
      }
    },
    { connection, prefix: credentials.queue.prefix, skipVersionCheck: true, concurrency: 4 },
  );
  return {
    worker,
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
}
