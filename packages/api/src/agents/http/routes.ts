import type { PrismaClient } from '@floe/db';
import {
  agentEventBatchSchema,
  claimRequestSchema,
  claimResponseSchema,
  completeRequestSchema,
  enrollRequestSchema,
  eventsResponseSchema,
  failRequestSchema,
  heartbeatRequestSchema,
  jobAckSchema,
} from '@floe/protocol';
import { BullJobQueue } from '@floe/protocol/bullmq';
import type { Redis } from 'ioredis';
import { EnrollmentError, enrollAgent, type TransportSetting } from '../enrollment';
import { recordAgentEvents } from '../events';
import { reconcileAgent } from '../reconcile';
import { AgentApiError, authenticated, body, respond } from './request';

const ok = jobAckSchema.parse({ ok: true });

/**
 * The agent API's handlers (fetch-style: Request in, Response out), for the web app's routes. Every one
 * but enroll authenticates the agent by its token and acts on that agent only: jobs are looked up in its
 * own queue, so another agent's job id is not found there, and BullMQ checks the lease of the claim.
 * `transport` is the one new agents are enrolled for.
 */
export function agentApiRoutes({
  db,
  redis,
  transport,
}: {
  db: () => PrismaClient;
  redis: () => Redis;
  transport: () => TransportSetting;
}) {
  // One queue handle per agent served by this process: it also returns the jobs of a vanished agent.
  const queues = new Map<string, BullJobQueue>();
  const queueOf = (agentId: string) => {
    let queue = queues.get(agentId);
    if (queue === undefined) {
      queue = new BullJobQueue(agentId, redis(), {
        onError: (error) => console.error(`agent ${agentId}'s job queue: ${error.message}`),
      });
      queues.set(agentId, queue);
    }
    return queue;
  };

  return {
    /** The only unauthenticated endpoint: the one-time install token is the authentication. */
    enroll: (req: Request) =>
      respond(async () => {
        const { installToken } = await body(req, 'enroll', enrollRequestSchema);
        try {
          return await enrollAgent(db(), redis(), installToken, transport());
        } catch (error) {
          if (error instanceof EnrollmentError) throw new AgentApiError(401, error.message);
          throw error;
        }
      }),

    /** Heartbeats and events; a heartbeat also gets the agent re-sent what it should run (reconcile). */
    events: (req: Request) =>
      respond(async () => {
        const agent = await authenticated(db(), req);
        const recorded = await recordAgentEvents(
          db(),
          agent,
          await body(req, 'events', agentEventBatchSchema),
        );
        if (recorded.runningPipelines !== undefined)
          await reconcileAgent(db(), redis(), agent.id, recorded.runningPipelines);
        return eventsResponseSchema.parse({ accepted: recorded.accepted, refused: recorded.refused });
      }),

    /**
     * The next job of the agent's own queue, waiting for one up to CLAIM_WAIT_SECONDS (long poll). Each
     * claim closes its connection: an agent claiming again at once would otherwise keep one connection
     * busy for ever, and a stopping control plane (which waits for its connections) would never exit.
     */
    claim: (req: Request) =>
      respond(
        async () => {
          const agent = await authenticated(db(), req);
          await body(req, 'claim', claimRequestSchema);
          return claimResponseSchema.parse({ job: await queueOf(agent.id).claim(req.signal) });
        },
        { Connection: 'close' },
      ),

    heartbeat: (req: Request) =>
      respond(async () => {
        const agent = await authenticated(db(), req);
        await queueOf(agent.id).heartbeat(await body(req, 'heartbeat', heartbeatRequestSchema));
        return ok;
      }),

    complete: (req: Request) =>
      respond(async () => {
        const agent = await authenticated(db(), req);
        const { result, ...lease } = await body(req, 'complete', completeRequestSchema);
        await queueOf(agent.id).complete(lease, result);
        return ok;
      }),

    fail: (req: Request) =>
      respond(async () => {
        const agent = await authenticated(db(), req);
        const { jobId, lease, ...failure } = await body(req, 'fail', failRequestSchema);
        await queueOf(agent.id).fail({ jobId, lease }, failure);
        return ok;
      }),

    close: async () => {
      for (const queue of queues.values()) await queue.close();
      queues.clear();
    },
  };
}

export type AgentApiRoutes = ReturnType<typeof agentApiRoutes>;
