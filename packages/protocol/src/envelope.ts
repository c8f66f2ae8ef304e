import { z } from 'zod';
import { type Job, jobProtocolVersion, jobSchema } from './jobs';

/**
 * The protocol version this build speaks. Rule: a change that an older agent could misread
 * (a new job kind, a new required field, a changed meaning) bumps it; an agent refuses a job
 * whose version is newer than its own before running any of it, with an error that says to upgrade.
 * A job's envelope carries the oldest version that reads it (`jobProtocolVersion`), not this one, so
 * that older agents keep running the jobs they read right.
 * 2: a connection test may carry the role to act as. 3: kafka.describe, table.describe.
 * 4: table.rollback, table.tag, table.untag; pipeline.backfill (with a spec and a range) and its
 * validate, cutover and abort. 5: a REST catalog's auth (OAuth2, SigV4).
 */
export const PROTOCOL_VERSION = 5;

export const jobEnvelopeSchema = z.object({
  protocolVersion: z.number().int().positive(),
  jobId: z.string().min(1),
  issuedAt: z.iso.datetime(),
  // Checked against this build's job schemas only once the version is known to be ours.
  job: z.unknown(),
});

export interface JobEnvelope {
  protocolVersion: number;
  jobId: string;
  issuedAt: string;
  job: Job;
}

export class IncompatibleJobError extends Error {
  constructor(
    readonly jobVersion: number,
    readonly agentVersion: number,
  ) {
    super(
      `job needs protocol version ${jobVersion} but this agent speaks ${agentVersion}: upgrade the agent (it did not run any of the job)`,
    );
    this.name = 'IncompatibleJobError';
  }
}

/** Wraps a job for the wire. */
export function encodeJobEnvelope(jobId: string, job: Job, issuedAt = new Date()): JobEnvelope {
  const parsed = jobSchema.parse(job);
  return {
    protocolVersion: jobProtocolVersion(parsed),
    jobId,
    issuedAt: issuedAt.toISOString(),
    job: parsed,
  };
}

/** Parses a job off the wire, refusing one from a newer protocol before anything runs. */
export function decodeJobEnvelope(raw: unknown, agentVersion = PROTOCOL_VERSION): JobEnvelope {
  const envelope = jobEnvelopeSchema.parse(raw);
  if (envelope.protocolVersion > agentVersion)
    throw new IncompatibleJobError(envelope.protocolVersion, agentVersion);
  return { ...envelope, job: jobSchema.parse(envelope.job) };
}
