// The backfill domain: rebuilding a pipeline's table from Kafka into a new table (repartition.ts),
// validating it and cutting over (cutovers.ts), with the states its jobs go through (job-states.ts).
import { randomBytes } from 'node:crypto';
import { backfillRefusal, type Job, type PipelineSpec } from '@floe/protocol';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { sendToPipelineAgent } from '../pipelines/agent-job';
import { orgPipeline } from '../pipelines/org-pipeline';
import { parsePartitionBy, partitionByText } from '../pipelines/schemas';
import { recordId } from '../record-id';
import { orgProcedure, router } from '../trpc';
import { type JobState, jobStates } from './job-states';

const byTime = z.object({ timestampMs: z.number().int().nonnegative() });
const requestSchema = z.object({
  start: z.union([z.literal('earliest'), byTime]),
  end: z.union([z.literal('now'), byTime]),
  maxRecordsPerSecond: z.number().int().positive().max(10_000_000).optional(),
  maxLiveLagRecords: z.number().int().nonnegative().optional(),
  /** Re-partitions the table, written as in the wizard (`day(ts)`); empty or unset: its spec stays. */
  partitionBy: partitionByText.optional(),
});
const figures = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const jobStateSchema = z.object({
  state: z.enum(['sent', 'running', 'finished', 'failed']),
  fraction: z.number().nullable(),
  message: z.string().nullable(),
  result: figures.nullable(),
  at: z.date().nullable(),
});
const backfillSchema = z.object({
  id: z.string(),
  createdAt: z.date(),
  request: requestSchema,
  run: jobStateSchema,
  validation: jobStateSchema.nullable(),
  cutover: jobStateSchema.nullable(),
  abort: jobStateSchema.nullable(),
});
const byBackfill = z.object({ pipelineId: recordId, backfillId: z.string().regex(/^[a-z0-9-]{1,40}$/) });
type Step = 'validate' | 'cutover' | 'abort';

/** A backfill of the organization's pipeline, or NOT_FOUND. */
async function orgBackfill(ctx: Parameters<typeof orgPipeline>[0], pipelineId: string, backfillId: string) {
  const pipeline = await orgPipeline(ctx, pipelineId);
  const backfill = await ctx.db.backfill.findFirst({ where: { id: backfillId, pipelineId: pipeline.id } });
  if (!backfill) throw new TRPCError({ code: 'NOT_FOUND', message: `no backfill ${backfillId}` });
  return backfill;
}

/** Sends a validate, cutover or abort job for a backfill and keeps its id. */
function step(kind: Step) {
  const jobKind = `pipeline.backfill-${kind}` as const;
  return orgProcedure(kind === 'validate' ? 'EDITOR' : 'ADMIN')
    .input(byBackfill)
    .output(z.object({ jobId: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const backfill = await orgBackfill(ctx, input.pipelineId, input.backfillId);
      if (backfill.abortJobId !== null)
        throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'the backfill was aborted' });
      const { jobId } = await sendToPipelineAgent(
        ctx,
        input.pipelineId,
        (pipeline: PipelineSpec): Job => ({ kind: jobKind, backfillId: backfill.id, pipeline }),
      );
      await ctx.db.backfill.update({
        where: { id: backfill.id },
        data: { [`${kind}JobId`]: jobId, ...(kind === 'abort' && { abortedAt: new Date() }) },
      });
      return { jobId };
    });
}

/**
 * Backfills of a pipeline's table: rebuilt by its agent on branch backfill-<id> with a consumer of
 * its own, validated against Kafka's offsets, then cut over to main in one commit or aborted. Each
 * call is in the audit log.
 */
export const backfillRouter = router({
  start: orgProcedure('ADMIN')
    .input(z.object({ pipelineId: recordId, request: requestSchema }))
    .output(z.object({ id: z.string(), jobId: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const id = randomBytes(4).toString('hex');
      const { request } = input;
      const newSpec = parsePartitionBy(request.partitionBy ?? '');
      const { jobId } = await sendToPipelineAgent(ctx, input.pipelineId, (pipeline) => {
        const refusal = backfillRefusal(pipeline);
        if (refusal !== undefined) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: refusal });
        return {
          kind: 'pipeline.backfill',
          backfillId: id,
          pipeline,
          start: request.start,
          end: request.end,
          ...(request.maxRecordsPerSecond !== undefined && {
            maxRecordsPerSecond: request.maxRecordsPerSecond,
          }),
          ...(request.maxLiveLagRecords !== undefined && { maxLiveLagRecords: request.maxLiveLagRecords }),
          ...(newSpec.length > 0 && { partitionBy: newSpec }),
        };
      });
      await ctx.db.backfill.create({
        data: {
          id,
          organizationId: ctx.org.id,
          pipelineId: input.pipelineId,
          createdById: ctx.session.userId,
          request,
          runJobId: jobId,
        },
      });
      return { id, jobId };
    }),

  validate: step('validate'),
  cutover: step('cutover'),
  abort: step('abort'),

  /** The pipeline's backfills, newest first, each with how its jobs stand (progress, validation, cutover). */
  list: orgProcedure('VIEWER')
    .input(z.object({ pipelineId: recordId }))
    .output(z.array(backfillSchema))
    .query(async ({ ctx, input }) => {
      const pipeline = await orgPipeline(ctx, input.pipelineId);
      const rows = await ctx.db.backfill.findMany({
        where: { pipelineId: pipeline.id },
        orderBy: { createdAt: 'desc' },
        take: 20,
      });
      const ids = rows.flatMap((r) => [r.runJobId, r.validateJobId, r.cutoverJobId, r.abortJobId]);
      const states = await jobStates(
        ctx.db,
        ctx.org.id,
        ids.filter((j): j is string => j !== null),
      );
      const of = (jobId: string | null): JobState | null =>
        jobId === null ? null : (states.get(jobId) ?? null);
      return rows.map((r) => ({
        id: r.id,
        createdAt: r.createdAt,
        request: requestSchema.parse(r.request),
        run: of(r.runJobId) as JobState,
        validation: of(r.validateJobId),
        cutover: of(r.cutoverJobId),
        abort: of(r.abortJobId),
      }));
    }),
});
