// How an agent gets its jobs and reports their end, whatever carries them: the control plane's HTTPS
// API, or BullMQ directly. The control plane implements it over BullMQ behind that API; the agent's job
// runner only ever sees this.

/** A job an agent holds: its id and the lease that proves the hold (given by the claim). */
export interface JobLease {
  jobId: string;
  lease: string;
}

export interface ClaimedJob extends JobLease {
  /** 1 for the first run, more when an earlier attempt failed. */
  attempt: number;
  /** The job envelope as queued; the agent decodes it (`decodeJobEnvelope`). */
  envelope: unknown;
}

export type JobResult = Record<string, string | number | boolean>;

export interface JobFailure {
  errorClass: string;
  message: string;
  stack?: string;
  /** Would fail the same way again (refused by the policy, unknown kind): not retried. */
  final: boolean;
}

export interface JobTransport {
  /** The next job of this agent's queue, or null when none came within the claim's wait. */
  claim(signal?: AbortSignal): Promise<ClaimedJob | null>;
  /** Renews the lease of a running job; throws JobLeaseError when the job is no longer held. */
  heartbeat(job: JobLease): Promise<void>;
  complete(job: JobLease, result: JobResult): Promise<void>;
  fail(job: JobLease, failure: JobFailure): Promise<void>;
  close(): Promise<void>;
}

/** The job is not (or no longer) held with this lease: unknown, another agent's, or its lease ran out. */
export class JobLeaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobLeaseError';
  }
}
