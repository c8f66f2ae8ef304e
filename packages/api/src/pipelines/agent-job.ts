import { type Job, type PipelineSpec, pipelineSpecSchema } from '@floe/protocol';
import { TRPCError } from '@trpc/server';
import { sendJob } from '../agents/dispatch';
import { onlineAgent } from '../discovery/agent-jobs';
import { type AuditNote, type Context, redisOf } from '../trpc';
import { orgPipeline } from './org-pipeline';
import { tableAgentOf } from './placement';

/**
 * Sends a job made from the pipeline's newest spec to the pipeline's agent, which must be online: a
 * rollback, a tag or a cutover that waited in the queue would land later than the person who asked
 * for it expects. Notes the job in the call's audit row.
 */
export async function sendToPipelineAgent(
  ctx: Context & { org: { id: string }; audit: AuditNote },
  pipelineId: string,
  job: (spec: PipelineSpec) => Job,
) {
  const pipeline = await orgPipeline(ctx, pipelineId);
  // A pool pipeline's job goes to its member heard from last: the other members' next commits are
  // fenced by the table's offsets, and they read on from the table's.
  const agentId = await tableAgentOf(ctx.db, pipeline);
  const agent = agentId === null ? null : await onlineAgent(ctx.db, ctx.org.id, agentId);
  if (agent === null || agent.id !== agentId)
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: "the pipeline's agent is offline: start it, then try again",
    });
  const jobId = await sendJob(
    redisOf(ctx),
    agent.id,
    job(pipelineSpecSchema.parse(pipeline.versions[0]?.spec)),
  );
  Object.assign(ctx.audit, { target: pipeline.id, after: { jobId, agent: agent.id } });
  return { jobId, agentName: agent.name };
}

/** The table a spec names, as table jobs carry it. */
export function tableOf(spec: PipelineSpec) {
  const { catalog, namespace, name, storage } = spec.table;
  return { catalog, namespace, name, storage };
}
