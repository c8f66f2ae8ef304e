import type { PrismaClient } from '@floe/db';
import { OFFLINE_AFTER_SECONDS } from '@floe/protocol';
import { TRPCError } from '@trpc/server';

/**
 * The agent a discovery job goes to: the one asked for when it is online, else the organization's
 * most recently seen online agent; null when none is online (the wizard then falls back to typing).
 */
export async function onlineAgent(db: PrismaClient, organizationId: string, preferredId?: string | null) {
  const online = {
    organizationId,
    revokedAt: null,
    lastHeartbeatAt: { gt: new Date(Date.now() - OFFLINE_AFTER_SECONDS * 1000) },
  };
  // The preferred id may name a pool: then its member heard from last.
  const preferred = preferredId
    ? await db.agent.findFirst({
        where: { ...online, OR: [{ id: preferredId }, { poolId: preferredId }] },
        orderBy: { lastHeartbeatAt: 'desc' },
      })
    : null;
  return preferred ?? (await db.agent.findFirst({ where: online, orderBy: { lastHeartbeatAt: 'desc' } }));
}

export function noAgentOnline(): TRPCError {
  return new TRPCError({
    code: 'PRECONDITION_FAILED',
    message: 'no agent is online to read from your account: install or start one',
  });
}

export type JobAnswer<T> =
  | { state: 'waiting'; description: null; message: null }
  | { state: 'succeeded'; description: T; message: null }
  | { state: 'failed'; description: null; message: string };

/**
 * What an organization's agent answered to a job whose answer is an event of `answerType`: still
 * waiting, the answer (the event's `field`, parsed again with its schema), or the job's error in words.
 */
export async function jobAnswer<T>(
  db: PrismaClient,
  organizationId: string,
  jobId: string,
  answerType: string,
  parse: (description: unknown) => T,
  field: 'description' | 'result' = 'description',
): Promise<JobAnswer<T>> {
  const [event] = await db.$queryRaw<
    { payload: { type: string; message?: string } & Record<string, unknown> }[]
  >`
    SELECT e.payload FROM "AgentEvent" e JOIN "Agent" a ON a.id = e."agentId"
    WHERE a."organizationId" = ${organizationId} AND e.type IN (${answerType}, 'job.failed')
      AND e.payload->>'jobId' = ${jobId}
    ORDER BY e."receivedAt" DESC LIMIT 1`;
  if (!event) return { state: 'waiting', description: null, message: null };
  if (event.payload.type === 'job.failed')
    return { state: 'failed', description: null, message: event.payload.message ?? 'failed' };
  return { state: 'succeeded', description: parse(event.payload[field]), message: null };
}
