import { randomUUID } from 'node:crypto';
// bullmq comes from the two planes that use this file (each declares bullmq 6.7.0): protocol stays
// zod-only for everything else that imports it (the web app's browser code among them).
import { type ConnectionOptions, ErrorCode, Job, Worker } from 'bullmq';
import { CLAIM_WAIT_SECONDS, JOB_LEASE_SECONDS } from './agent-api';
import { agentQueueName, QUEUE_PREFIX } from './queues';
import {
  type ClaimedJob,
  type JobFailure,
  type JobLease,
  JobLeaseError,
  type JobResult,
  type JobTransport,
} from './transport';

// One blocking wait on Redis; a claim waits several of these, up to CLAIM_WAIT_SECONDS.
const BLOCK_SECONDS = 5;

/**
 * One agent's queue, taken job by job (BullMQ's manual processing): the control plane serves its HTTPS
 * agents with it, and a single-tenant agent uses it directly as its own Redis user. Every lookup is in
 * this agent's queue, so another agent's job id finds nothing; BullMQ checks the lease (its lock token).
 */
export class BullJobQueue implements JobTransport {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;

  /** `onError`: what BullMQ reports outside any call (a lost connection, a failed stalled check). */
  constructor(
    readonly agentId: string,
    connection: ConnectionOptions,
    { skipVersionCheck = false, onError = (error: Error) => console.error(error) } = {},
  ) {
    this.worker = new Worker(agentQueueName(agentId), null, {
      connection,
      prefix: QUEUE_PREFIX,
      autorun: false,
      drainDelay: BLOCK_SECONDS,
      lockDuration: JOB_LEASE_SECONDS * 1000,
      stalledInterval: JOB_LEASE_SECONDS * 1000,
      skipVersionCheck,
    });
    this.worker.on('error', onError);
    // A job whose lease ran out (its agent died or lost the network) goes back to the queue.
    this.ready = this.worker.startStalledCheckTimer();
    this.ready.catch(onError);
  }

  async claim(signal?: AbortSignal): Promise<ClaimedJob | null> {
    await this.ready;
    const lease = randomUUID();
    const deadline = Date.now() + CLAIM_WAIT_SECONDS * 1000;
    while (!signal?.aborted && Date.now() < deadline) {
      const started = Date.now();
      const job = await this.worker.getNextJob(lease, { block: true });
      if (job?.id !== undefined) {
        // Nobody is waiting for it any more: it goes back for the next claim, not to the stalled checker.
        if (signal?.aborted) {
          await job.moveToWait(lease);
          return null;
        }
        return { jobId: job.id, lease, attempt: job.attemptsMade + 1, envelope: job.data };
      }
      // Another claim holds the blocking wait: this one checks again shortly instead of spinning.
      if (Date.now() - started < 100) await new Promise((r) => setTimeout(r, 250));
    }
    return null;
  }

  async heartbeat({ jobId, lease }: JobLease): Promise<void> {
    const job = await this.held(jobId);
    if ((await job.extendLock(lease, JOB_LEASE_SECONDS * 1000)) !== 1) throw lost(jobId);
  }

  async complete({ jobId, lease }: JobLease, result: JobResult): Promise<void> {
    const job = await this.held(jobId);
    await finish(jobId, () => job.moveToCompleted(result, lease, false));
  }

  async fail({ jobId, lease }: JobLease, failure: JobFailure): Promise<void> {
    const job = await this.held(jobId);
    const error = new Error(failure.message);
    // BullMQ retries by the job's attempts unless the error is named UnrecoverableError.
    error.name = failure.final ? 'UnrecoverableError' : failure.errorClass;
    error.stack = failure.stack ?? `${failure.errorClass}: ${failure.message}`;
    await finish(jobId, () => job.moveToFailed(error, lease, false));
  }

  async close(): Promise<void> {
    await this.worker.close();
  }

  private async held(jobId: string): Promise<Job> {
    const job = await Job.fromId(this.worker, jobId);
    if (job === undefined) throw new JobLeaseError(`no job ${jobId} in this agent's queue`);
    return job;
  }
}

function lost(jobId: string) {
  return new JobLeaseError(
    `job ${jobId} is not held with this lease: it finished, or its lease ran out and it went back to the queue`,
  );
}

const LOST: ReadonlySet<number> = new Set([
  ErrorCode.JobNotExist,
  ErrorCode.JobLockNotExist,
  ErrorCode.JobNotInState,
  ErrorCode.JobLockMismatch,
]);

/** BullMQ refuses to finish a job held by another lease, or one no longer active: that is a lost lease. */
async function finish(jobId: string, move: () => Promise<unknown>) {
  try {
    await move();
  } catch (error) {
    if (LOST.has((error as { code?: number }).code as number)) throw lost(jobId);
    throw error;
  }
}
