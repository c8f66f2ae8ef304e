import type { Agent, PrismaClient } from '@floe/db';
import { type AgentEvent, agentEventBatchSchema } from '@floe/protocol';
import { storeRepartitionedVersions } from '../backfill/repartition';
import { maintenanceRunUpdates } from '../maintenance/results';
import { pipelinesOfAgent } from '../pipelines/placement';

/** An agent's event the control plane did not keep, and why. */
export interface RefusedEvent {
  index: number;
  reason: string;
}

/**
 * Stores a batch of an agent's events. Heartbeats update the agent (status, version); every
 * other event is kept as reported, except that an agent speaks only for the pipelines assigned to it or
 * to its pool (another's report is refused, with its index and reason) and its times are bounded by our clock.
 * Invalid batches throw zod's error, naming the field. Job events also move the maintenance run of
 * their job along (started, finished, failed), for runs sent to this agent only; a re-partitioning
 * backfill's finished cutover makes its pipeline's next version.
 */
export async function recordAgentEvents(db: PrismaClient, agent: Agent, raw: unknown, now = new Date()) {
  const batch = agentEventBatchSchema.parse(raw);
  const sentAt = new Date(batch.sentAtMs);
  const heartbeat = batch.events.findLast((e) => e.type === 'heartbeat');
  const assigned = new Set(
    (await db.pipeline.findMany({ where: pipelinesOfAgent(agent), select: { id: true } })).map((p) => p.id),
  );
  const kept: AgentEvent[] = [];
  const refused: RefusedEvent[] = [];
  batch.events.forEach((event, index) => {
    if (event.type === 'heartbeat') return;
    const pipelineId = 'pipelineId' in event ? event.pipelineId : undefined;
    if (pipelineId !== undefined && !assigned.has(pipelineId))
      refused.push({ index, reason: `pipeline ${pipelineId} is not assigned to this agent` });
    else kept.push(boundedTimes(event, now));
  });
  await db.$transaction([
    db.agent.update({
      where: { id: agent.id },
      // Our clock, not the agent's: a skewed agent clock must not make it look online or offline.
      data: heartbeat
        ? { lastHeartbeatAt: now, ...heartbeatUpdate(heartbeat, now) }
        : { lastHeartbeatAt: now },
    }),
    db.agentEvent.createMany({
      data: kept.map((e) => ({ agentId: agent.id, type: e.type, payload: e, sentAt })),
    }),
    ...maintenanceRunUpdates(db, agent.id, kept, now),
  ]);
  await storeRepartitionedVersions(db, agent, kept);
  return {
    accepted: batch.events.length - refused.length,
    ...(refused.length > 0 && { refused }),
    runningPipelines: heartbeat?.runningPipelines,
  };
}

/**
 * What a heartbeat says of the agent: its version, and when its process started, by our clock (an
 * agent too old to send its uptime leaves the start unknown rather than stale).
 */
function heartbeatUpdate(heartbeat: Extract<AgentEvent, { type: 'heartbeat' }>, now: Date) {
  return {
    version: heartbeat.agentVersion,
    startedAt:
      heartbeat.uptimeSeconds === undefined ? null : new Date(now.getTime() - heartbeat.uptimeSeconds * 1000),
  };
}

/** How far a producer's clock may run ahead of the agent's before its record times are not believed. */
const RECORD_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A commit report's times as the control plane keeps them: a commit time after our clock is our
 * clock; a record time a little after the commit (clocks differ) is the commit time, and one far
 * after it (or a number no clock gives, beyond 2^53 ms) is unknown. Such a time must neither make a
 * table look fresh for ever nor break a query that reads it as a 64-bit integer.
 */
function boundedTimes(event: AgentEvent, now: Date): AgentEvent {
  if (event.type !== 'commit.report') return event;
  const committedAtMs = Number.isSafeInteger(event.committedAtMs)
    ? Math.min(event.committedAtMs, now.getTime())
    : now.getTime();
  const plausible = (ms: number | null) =>
    ms !== null && Number.isSafeInteger(ms) && ms <= committedAtMs + RECORD_CLOCK_SKEW_MS
      ? Math.min(ms, committedAtMs)
      : null;
  const partitions = event.partitions.map((p) => ({
    ...p,
    newestCommittedRecordMs: plausible(p.newestCommittedRecordMs),
  }));
  return { ...event, committedAtMs, partitions };
}
