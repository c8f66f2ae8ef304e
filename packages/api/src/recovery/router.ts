// The recovery domain: incident recovery on a pipeline's table (rollback, tags), run by its agent.
import { snapshotIdSchema, tagNameSchema } from '@floe/protocol';
import { z } from 'zod';
import { jobAnswer } from '../discovery/agent-jobs';
import { sendToPipelineAgent, tableOf } from '../pipelines/agent-job';
import { recordId } from '../record-id';
import { orgProcedure, router } from '../trpc';

const sent = z.object({ jobId: z.string(), agentName: z.string() });
const figures = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

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
