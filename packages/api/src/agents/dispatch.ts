import { randomUUID } from 'node:crypto';
import { agentQueueName, encodeJobEnvelope, type Job, QUEUE_PREFIX } from '@floe/protocol';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Puts a job on the agent's queue, where only that agent can take it. Nothing connects to the
 * agent: it pulls. Returns the job id, which its events refer to.
 */
export async function sendJob(redis: Redis, agentId: string, job: Job): Promise<string> {
  const envelope = encodeJobEnvelope(randomUUID(), job);
  const queue = new Queue(agentQueueName(agentId), { connection: redis, prefix: QUEUE_PREFIX });
  try {
    await queue.add(job.kind, envelope, {
      jobId: envelope.jobId,
      // Table maintenance is scheduled (and retried) by the control plane itself: one attempt per run.
      attempts: job.kind.startsWith('table.') ? 1 : 3,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { age: 7 * 86_400 },
      removeOnFail: { age: 30 * 86_400 },
    });
  } finally {
    await queue.close();
  }
  return envelope.jobId;
}
