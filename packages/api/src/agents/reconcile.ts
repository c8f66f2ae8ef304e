import type { PrismaClient } from '@floe/db';
import { pipelineSpecSchema } from '@floe/protocol';
import type { Redis } from 'ioredis';
import { pipelinesOfAgent } from '../pipelines/placement';
import { sendJob } from './dispatch';

/** How long a re-sent job is given to take effect before it is sent again. */
const RESEND_SECONDS = 30;

/**
 * Converges an agent on its desired state from what its heartbeat says it runs: a pipeline that should
 * run and does not (the agent restarted, Redis was flushed, a job was lost) gets its pipeline.start
 * again; one it runs that should not (paused or deleted meanwhile) gets pipeline.stop. Each pipeline is
 * re-sent at most once per 30 s, so a slow start is not flooded. A pool member converges on its pool's
 * pipelines too: so a member that joins (or comes back) starts them. Returns what was sent.
 */
export async function reconcileAgent(
  db: PrismaClient,
  redis: Redis,
  agentId: string,
  running: readonly string[],
): Promise<{ started: string[]; stopped: string[] }> {
  const agent = await db.agent.findUniqueOrThrow({
    where: { id: agentId },
    select: { id: true, poolId: true },
  });
  const desired = await db.pipeline.findMany({
    where: { ...pipelinesOfAgent(agent), status: 'RUNNING' },
    include: { versions: { orderBy: { version: 'desc' }, take: 1 } },
  });
  const want = new Set(desired.map((p) => p.id));
  const started: string[] = [];
  const stopped: string[] = [];
  for (const pipeline of desired) {
    if (running.includes(pipeline.id) || !(await firstSendIn(redis, agentId, pipeline.id))) continue;
    const spec = pipelineSpecSchema.parse(pipeline.versions[0]?.spec);
    await sendJob(redis, agentId, { kind: 'pipeline.start', pipeline: spec });
    started.push(pipeline.id);
  }
  for (const id of running) {
    if (want.has(id) || !(await firstSendIn(redis, agentId, id))) continue;
    await sendJob(redis, agentId, { kind: 'pipeline.stop', pipelineId: id });
    stopped.push(id);
  }
  return { started, stopped };
}

/** Per agent and pipeline: one agent's heartbeat never holds back what another agent is sent. */
async function firstSendIn(redis: Redis, agentId: string, pipelineId: string): Promise<boolean> {
  const key = `floe:reconcile:${agentId}:${pipelineId}`;
  return (await redis.set(key, '1', 'EX', RESEND_SECONDS, 'NX')) === 'OK';
}
