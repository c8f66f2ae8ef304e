import type { Agent, PrismaClient } from '@floe/db';
import { agentEventBatchSchema } from '@floe/protocol';
import { maintenanceRunUpdates } from '../maintenance/results';

/**
 * Stores a batch of an agent's events. Heartbeats update the agent (status, version); every
 * other event is kept as reported. Invalid batches throw zod's error, naming the field.
 * Job events also move the maintenance run of their job along (started, finished, failed).
 */
export async function recordAgentEvents(db: PrismaClient, agent: Agent, raw: unknown, now = new Date()) {
  const batch = agentEventBatchSchema.parse(raw);
  const sentAt = new Date(batch.sentAtMs);
  const heartbeat = batch.events.findLast((e) => e.type === 'heartbeat');
  const others = batch.events.filter((e) => e.type !== 'heartbeat');
  await db.$transaction([
    db.agent.update({
      where: { id: agent.id },
      // Our clock, not the agent's: a skewed agent clock must not make it look online or offline.
      data: heartbeat ? { lastHeartbeatAt: now, version: heartbeat.agentVersion } : { lastHeartbeatAt: now },
    }),
    db.agentEvent.createMany({
      data: others.map((e) => ({ agentId: agent.id, type: e.type, payload: e, sentAt })),
    }),
    ...maintenanceRunUpdates(db, agent.id, others, now),
  ]);
  return { accepted: batch.events.length, runningPipelines: heartbeat?.runningPipelines };
}
