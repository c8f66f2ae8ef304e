import { z } from 'zod';

// The agent's HTTPS API, as both planes see it: paths, bodies, limits, timing and token prefixes.

/** Prefixed so a leaked token is recognisable (and secret scanners can match it). */
export const INSTALL_TOKEN_PREFIX = 'floe_it_';
export const API_TOKEN_PREFIX = 'floe_at_';

/** How often an agent says it is alive, and when the control plane counts it offline (3 missed). */
export const HEARTBEAT_SECONDS = 10;
export const OFFLINE_AFTER_SECONDS = 30;
/** How long a claim waits for a job when none is queued (long poll), before answering "none". */
export const CLAIM_WAIT_SECONDS = 20;
/** A claimed job's lease: the agent renews it every JOB_HEARTBEAT_SECONDS; one not renewed goes back to the queue. */
export const JOB_LEASE_SECONDS = 30;
export const JOB_HEARTBEAT_SECONDS = 10;

export const AGENT_API = {
  enroll: '/api/agents/enroll',
  events: '/api/agents/events',
  claim: '/api/agents/jobs/claim',
  heartbeat: '/api/agents/jobs/heartbeat',
  complete: '/api/agents/jobs/complete',
  fail: '/api/agents/jobs/fail',
} as const;

export type AgentApiEndpoint = keyof typeof AGENT_API;

/** The largest request body each endpoint reads; a longer one is refused before it is parsed. */
export const AGENT_API_MAX_BODY_BYTES: Record<AgentApiEndpoint, number> = {
  enroll: 4 * 1024,
  // Up to 1,000 events (the agent sends 500 at a time); a commit report names every partition it covers.
  events: 2 * 1024 * 1024,
  claim: 1024,
  heartbeat: 4 * 1024,
  complete: 64 * 1024,
  fail: 64 * 1024,
};

/** How agents reach their jobs: through the HTTPS API (the default), or straight to BullMQ as their own Redis user. */
export const agentTransportSchema = z.enum(['https', 'bullmq']);
export type AgentTransport = z.infer<typeof agentTransportSchema>;

export const enrollRequestSchema = z.object({
  installToken: z
    .string()
    .max(200)
    .startsWith(INSTALL_TOKEN_PREFIX, `must be a Floe install token (${INSTALL_TOKEN_PREFIX}…)`),
});

const issued = {
  agentId: z.string(),
  apiToken: z.string().startsWith(API_TOKEN_PREFIX),
};

/**
 * What an agent receives once, at enrollment: its id, its API token and the transport the control plane
 * chose for it. Only a BullMQ agent gets a Redis login (and where its queue is).
 */
export const enrollmentSchema = z.discriminatedUnion('transport', [
  z.object({ transport: z.literal('https'), ...issued }),
  z.object({
    transport: z.literal('bullmq'),
    ...issued,
    redis: z.object({ url: z.string(), username: z.string(), password: z.string() }),
    queue: z.object({ prefix: z.string(), name: z.string() }),
  }),
]);

export type Enrollment = z.infer<typeof enrollmentSchema>;
export type EnrollmentFor<T extends AgentTransport> = Extract<Enrollment, { transport: T }>;

/** What every refused agent request answers: one sentence that says what was wrong. */
export const agentApiErrorSchema = z.object({ error: z.string() });

export const eventsResponseSchema = z.object({
  accepted: z.number().int().nonnegative(),
  refused: z.array(z.object({ index: z.number().int().nonnegative(), reason: z.string() })).optional(),
});

const jobLease = {
  jobId: z.string().min(1).max(200),
  lease: z.string().min(1).max(200),
};

/** A claim asks for nothing but the next job of the agent's own queue (the token says whose). */
export const claimRequestSchema = z.object({});
export const claimResponseSchema = z.object({
  job: z
    .object({
      ...jobLease,
      attempt: z.number().int().positive(),
      // The job envelope, decoded by the agent (which refuses one from a newer protocol).
      envelope: z.unknown(),
    })
    .nullable(),
});

export const heartbeatRequestSchema = z.object(jobLease);

export const completeRequestSchema = z.object({
  ...jobLease,
  result: z
    .record(z.string().max(200), z.union([z.string().max(4000), z.number(), z.boolean()]))
    .refine((result) => Object.keys(result).length <= 100, 'at most 100 result fields'),
});

export const failRequestSchema = z.object({
  ...jobLease,
  errorClass: z.string().min(1).max(200),
  message: z.string().max(2000),
  stack: z.string().max(16_000).optional(),
  /** A failure that would only happen again (a policy refusal, a job this version cannot run): no retry. */
  final: z.boolean(),
});

/** What the job endpoints answer once they did what was asked. */
export const jobAckSchema = z.object({ ok: z.literal(true) });
