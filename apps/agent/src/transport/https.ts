import {
  AGENT_API,
  type AgentApiEndpoint,
  CLAIM_WAIT_SECONDS,
  type ClaimedJob,
  claimResponseSchema,
  type JobFailure,
  type JobLease,
  JobLeaseError,
  type JobResult,
  type JobTransport,
  jobAckSchema,
} from '@floe/protocol';
import type { z } from 'zod';
import { RevokedError } from '../events';

// A claim is held open up to CLAIM_WAIT_SECONDS (and one blocking wait more): give it room.
const CLAIM_TIMEOUT_MS = (CLAIM_WAIT_SECONDS + 15) * 1000;
const CALL_TIMEOUT_MS = 15_000;

/**
 * The agent's jobs through the control plane's HTTPS API, with its API token: the agent holds no Redis
 * login. A refused token is a RevokedError; a job no longer held by this claim is a JobLeaseError.
 */
export class HttpsJobTransport implements JobTransport {
  constructor(
    private readonly controlPlane: URL,
    private readonly apiToken: string,
  ) {}

  async claim(signal?: AbortSignal): Promise<ClaimedJob | null> {
    const timeout = AbortSignal.timeout(CLAIM_TIMEOUT_MS);
    const answer = await this.call(
      'claim',
      {},
      claimResponseSchema,
      signal ? AbortSignal.any([signal, timeout]) : timeout,
    );
    // zod types an unknown field as optional; the envelope is checked when the runner decodes it.
    return answer.job as ClaimedJob | null;
  }

  async heartbeat(job: JobLease): Promise<void> {
    await this.call('heartbeat', lease(job), jobAckSchema);
  }

  async complete(job: JobLease, result: JobResult): Promise<void> {
    await this.call('complete', { ...lease(job), result }, jobAckSchema);
  }

  async fail(job: JobLease, failure: JobFailure): Promise<void> {
    await this.call('fail', { ...lease(job), ...failure }, jobAckSchema);
  }

  async close(): Promise<void> {}

  private async call<T extends z.ZodType>(
    endpoint: AgentApiEndpoint,
    payload: object,
    schema: T,
    signal: AbortSignal = AbortSignal.timeout(CALL_TIMEOUT_MS),
  ): Promise<z.infer<T>> {
    const res = await fetch(new URL(AGENT_API[endpoint], this.controlPlane), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.apiToken}` },
      body: JSON.stringify(payload),
      signal,
    });
    if (res.status === 401) throw new RevokedError();
    const body: unknown = await res.json().catch(() => null);
    const error = (body as { error?: unknown } | null)?.error;
    const reason = typeof error === 'string' ? error : 'no reason given';
    if (res.status === 409) throw new JobLeaseError(reason);
    if (!res.ok) throw new Error(`the control plane refused ${endpoint} (HTTP ${res.status}): ${reason}`);
    return schema.parse(body);
  }
}

function lease({ jobId, lease }: JobLease): JobLease {
  return { jobId, lease };
}
