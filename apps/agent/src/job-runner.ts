import { decodeJobEnvelope, IncompatibleJobError, type Job } from '@floe/protocol';
import { type Job as BullJob, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { storageCredentials } from './aws/storage-credentials';
import type { AgentCredentials } from './credentials';
import type { EventReporter } from './events';
import { type TestResult, testConnection } from './jobs/connection-test';
import { runMaintenance } from './jobs/maintenance';
import type { PipelineSupervisor } from './pipelines/supervisor';
import { resolveSecret } from './secrets';

/** What this agent version can run; anything else fails with a clear reason and is not retried. */
async function runJob(
  job: Job,
  jobId: string,
  agentId: string,
  pipelines: PipelineSupervisor,
): Promise<TestResult> {
  switch (job.kind) {
    case 'connection.test':
      return testConnection(job.connection);
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
        resolveSecret,
        awsCredentials: storageCredentials(job.table.storage, agentId, jobId),
      });
    default:
      throw new UnrecoverableError(`this agent version cannot run ${job.kind} jobs yet`);
  }
}

async function handle(
  bullJob: BullJob,
  agentId: string,
  events: EventReporter,
  pipelines: PipelineSupervisor,
) {
  const jobId = bullJob.id ?? 'unknown';
  let envelope: ReturnType<typeof decodeJobEnvelope>;
  try {
    envelope = decodeJobEnvelope(bullJob.data);
  } catch (error) {
    const errorClass = error instanceof IncompatibleJobError ? 'IncompatibleJob' : 'MalformedJob';
    events.report({ type: 'job.failed', jobId, errorClass, message: (error as Error).message });
    throw new UnrecoverableError((error as Error).message);
  }
  events.report({ type: 'job.started', jobId });
  try {
    const result = await runJob(envelope.job, jobId, agentId, pipelines);
    events.report({ type: 'job.finished', jobId, result });
    return result;
  } catch (error) {
    events.report({
      type: 'job.failed',
      jobId,
      errorClass: (error as Error).name,
      message: (error as Error).message,
    });
    throw error;
  }
}

/** Pulls jobs from the agent's own queue, as its own Redis user, and reports how each went. */
export function startJobRunner(
  credentials: AgentCredentials,
  events: EventReporter,
  pipelines: PipelineSupervisor,
) {
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
        return await handle(bullJob, credentials.agentId, events, pipelines);
      } finally {
        void events.flush();
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
