import {
  type Job,
  type PipelineSpec,
  pipelineSpecSchema,
  snapshotIdSchema,
  tagNameSchema,
} from '@floe/protocol';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { sendJob } from '../agents/dispatch';
import { jobAnswer, onlineAgent } from '../discovery/agent-jobs';
import { tableAgentOf } from '../pipelines/placement';
import { recordId } from '../schemas/record-id';
import { type AuditNote, type Context, orgProcedure, redisOf, router } from '../trpc';
import { orgPipeline } from './pipeline';

const sent = z.object({ jobId: z.string(), agentName: z.string() });
const figures = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/**
 * Sends a recovery job to the pipeline's agent, which must be online: a rollback or a tag that waited
 * in the queue would land later than the person who asked for it expects.
 */
async function sendToPipelineAgent(
  ctx: Context & { org: { id: string }; audit: AuditNote },
  pipelineId: string,
  job: (spec: PipelineSpec) => Job,
) {
  const pipeline = await orgPipeline(ctx, pipelineId);
  // A pool pipeline's recovery goes to its member heard from last: the other members' next commits are
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

const tableOf = (spec: PipelineSpec) => {
  const { catalog, namespace, name, storage } = spec.table;
  return { catalog, namespace, name, storage };
};

/**
 * Incident recovery on a pipeline's table, run by its agent inside the customer's account: roll main
 * back to a snapshot (ingestion resumes from that snapshot's offsets and reads again what followed),
 * and tag snapshots, e.g. before a risky change. Each call is in the audit log.
 */
export const recoveryRouter = router({
  /** Rolls main back to one of its snapshots; the agent refuses when Kafka no longer has what it must re-read. */
  rollback: orgProcedure('ADMIN')
    .input(z.object({ pipelineId: recordId, snapshotId: snapshotIdSchema }))
    .output(sent)
    .mutation(({ ctx, input }) =>
      sendToPipelineAgent(ctx, input.pipelineId, (pipeline) => ({
        kind: 'table.rollback',
        pipeline,
        snapshotId: input.snapshotId,
      })),
    ),

  tag: orgProcedure('EDITOR')
    .input(z.object({ pipelineId: recordId, name: tagNameSchema, snapshotId: snapshotIdSchema }))
    .output(sent)
    .mutation(({ ctx, input }) =>
      sendToPipelineAgent(ctx, input.pipelineId, (spec) => ({
        kind: 'table.tag',
        table: tableOf(spec),
        name: input.name,
        snapshotId: input.snapshotId,
      })),
    ),

  untag: orgProcedure('EDITOR')
    .input(z.object({ pipelineId: recordId, name: tagNameSchema }))
    .output(sent)
    .mutation(({ ctx, input }) =>
      sendToPipelineAgent(ctx, input.pipelineId, (spec) => ({
        kind: 'table.untag',
        table: tableOf(spec),
        name: input.name,
      })),
    ),

  /** How a recovery job ended: waiting, the agent's figures (snapshot ids, counts), or its error. */
  result: orgProcedure('VIEWER')
    .input(z.object({ jobId: recordId }))
    .output(
      z.object({
        state: z.enum(['waiting', 'succeeded', 'failed']),
        description: figures.nullable(),
        message: z.string().nullable(),
      }),
    )
    .query(({ ctx, input }) =>
      jobAnswer(ctx.db, ctx.org.id, input.jobId, 'job.finished', (r) => figures.parse(r), 'result'),
    ),
});
