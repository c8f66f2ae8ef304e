import type { PrismaClient } from '@floe/db';
import { OFFLINE_AFTER_SECONDS } from '@floe/protocol';

/** Where a pipeline runs: one agent, or every online member of a pool (exactly one is set). */
export interface Placement {
  agentId: string | null;
  poolId: string | null;
}

type Db = Pick<PrismaClient, 'agent'>;

function onlineSince(now: Date): Date {
  return new Date(now.getTime() - OFFLINE_AFTER_SECONDS * 1000);
}

/**
 * The agents a pipeline runs on now: its agent, or its pool's members heard from within the offline
 * window, the one heard from last first. A member that comes online later gets the pipeline from its
 * heartbeat (reconcileAgent), so an offline member is never sent a start to find when it returns.
 */
export async function runningAgents(db: Db, placement: Placement, now = new Date()): Promise<string[]> {
  if (placement.agentId !== null) return [placement.agentId];
  if (placement.poolId === null) return [];
  const members = await db.agent.findMany({
    where: { poolId: placement.poolId, revokedAt: null, lastHeartbeatAt: { gt: onlineSince(now) } },
    select: { id: true },
    orderBy: { lastHeartbeatAt: 'desc' },
  });
  return members.map((m) => m.id);
}

/**
 * The one agent that does one-off work on the pipeline's table (maintenance, a table description, a
 * rollback): its agent, or the pool's member heard from last; null when its pool has no online member.
 */
export async function tableAgentOf(db: Db, placement: Placement, now = new Date()): Promise<string | null> {
  const [agentId] = await runningAgents(db, placement, now);
  return agentId ?? null;
}

/**
 * The agents whose reports count for the pipeline: its agent, or every member its pool ever had (a
 * revoked or vanished member's commits are still the table's history).
 */
export async function reportingAgents(db: Db, placement: Placement): Promise<string[]> {
  if (placement.agentId !== null) return [placement.agentId];
  if (placement.poolId === null) return [];
  const members = await db.agent.findMany({ where: { poolId: placement.poolId }, select: { id: true } });
  return members.map((m) => m.id);
}

/** The Prisma filter for the pipelines an agent runs: its own, and its pool's. */
export function pipelinesOfAgent(agent: { id: string; poolId: string | null }) {
  return agent.poolId === null
    ? { agentId: agent.id }
    : { OR: [{ agentId: agent.id }, { poolId: agent.poolId }] };
}
