// The maintenance domain: each table's maintenance policy (policy.ts, also @floe/api/maintenance-policy),
// when work is due (due.ts), the scheduler that sends it to agents, and what they report back.
import { pipelineSpecSchema } from '@floe/protocol';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { jobStates } from '../backfill/job-states';
import { orgPipeline } from '../pipelines/org-pipeline';
import { recordId } from '../record-id';
import { orgProcedure, redisOf, router } from '../trpc';
import { NoMemberOnlineError, sendMaintenanceNow } from './dispatch';
import { planMaintenance, type TableDeletes } from './due';
import { contractRetention, maintenanceFacts } from './facts';
import { MAINTENANCE_KINDS, maintenancePolicySchema, policyWithin } from './policy';

const byPipeline = z.object({ pipelineId: recordId });
const kindSchema = z.enum(MAINTENANCE_KINDS);

const nextRunSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('due') }),
  z.object({ state: z.literal('outstanding'), sentAt: z.date() }),
  z.object({ state: z.literal('at'), at: z.date() }),
  z.object({
    state: z.literal('retry'),
    at: z.date(),
    failures: z.number(),
    conflict: z.boolean(),
  }),
  z.object({
    state: z.literal('small-files'),
    files: z.number(),
    threshold: z.number(),
    deletes: z.object({ share: z.number(), threshold: z.number() }).optional(),
  }),
  z.object({ state: z.literal('manual') }),
]);

const runSchema = z.object({
  id: z.string(),
  kind: kindSchema,
  status: z.enum(['SENT', 'RUNNING', 'FINISHED', 'FAILED']),
  trigger: z.enum(['schedule', 'manual']),
  sentAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  // The agent's figures, as reported (metadata only: counts, bytes, durations).
  result: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullable(),
  error: z.string().nullable(),
  // A running compaction's step as the agent last reported it (its job.progress); null otherwise.
  step: z.string().nullable(),
});

/** What the table's delete files delete, as last reported, and what it costs readers. */
const deletesSchema = z.object({
  at: z.date(),
  source: z.enum(['commit', 'compaction']),
  deleteFiles: z.number(),
  /** Rows in the data files, deleted ones included: what readers read. */
  rows: z.number(),
  deletedRows: z.number(),
  liveRows: z.number(),
  /** Rows read per live row (1 without deletes); null when no row is live. */
  readAmplification: z.number().nullable(),
});

const RECENT_RUNS = 20;

/** A table with deletes: an upsert or CDC pipeline's, or one whose figures show some (another writer's). */
function hasDeletes(pipeline: { versions: { spec: unknown }[] }, d: TableDeletes): boolean {
  const spec = pipelineSpecSchema.safeParse(pipeline.versions[0]?.spec);
  return (spec.success && spec.data.changes.mode !== 'append') || d.deleteFiles > 0 || d.deletedRows > 0;
}

function readCost(d: TableDeletes): z.infer<typeof deletesSchema> {
  const liveRows = Math.max(0, d.rows - d.deletedRows);
  return { ...d, liveRows, readAmplification: liveRows === 0 ? null : d.rows / liveRows };
}

export const maintenanceRouter = router({
  /** The policy in force, when each kind of maintenance runs next, and the recent runs with their figures. */
  get: orgProcedure('VIEWER')
    .input(byPipeline)
    .output(
      z.object({
        policy: maintenancePolicySchema,
        saved: z.boolean(),
        retention: z.object({ snapshotDays: z.number(), minSnapshots: z.number() }).nullable(),
        paused: z.boolean(),
        plan: z.record(kindSchema, nextRunSchema),
        runs: z.array(runSchema),
        deletes: deletesSchema.nullable(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const pipeline = await orgPipeline(ctx, input.pipelineId);
      const [facts, runs] = await Promise.all([
        maintenanceFacts(ctx.db, pipeline),
        ctx.db.maintenanceRun.findMany({
          where: { pipelineId: pipeline.id },
          orderBy: { sentAt: 'desc' },
          take: RECENT_RUNS,
        }),
      ]);
      const running = await jobStates(
        ctx.db,
        ctx.org.id,
        runs.filter((r) => r.status === 'RUNNING').map((r) => r.jobId),
      );
      return {
        policy: facts.policy,
        saved: facts.saved,
        retention: facts.retention,
        paused: pipeline.status === 'PAUSED',
        plan: planMaintenance(facts, new Date()),
        deletes: facts.deletes && hasDeletes(pipeline, facts.deletes) ? readCost(facts.deletes) : null,
        runs: runs.map((r) => ({
          id: r.id,
          kind: kindSchema.parse(r.kind),
          status: r.status,
          trigger: r.requestedById ? ('manual' as const) : ('schedule' as const),
          sentAt: r.sentAt,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          result: runSchema.shape.result.parse(r.result),
          error: r.error,
          step: running.get(r.jobId)?.state === 'running' ? (running.get(r.jobId)?.message ?? null) : null,
        })),
      };
    }),

  /** Saves the pipeline's policy; expiry may not go below what its contract promises. */
  savePolicy: orgProcedure('EDITOR')
    .input(byPipeline.extend({ policy: maintenancePolicySchema }))
    .output(z.object({ saved: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const pipeline = await orgPipeline(ctx, input.pipelineId);
      const checked = policyWithin(await contractRetention(ctx.db, pipeline.id)).safeParse(input.policy);
      if (!checked.success)
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          cause: checked.error,
        });
      const before = await ctx.db.maintenancePolicy.findUnique({ where: { pipelineId: pipeline.id } });
      await ctx.db.maintenancePolicy.upsert({
        where: { pipelineId: pipeline.id },
        create: { pipelineId: pipeline.id, settings: checked.data },
        update: { settings: checked.data },
      });
      Object.assign(ctx.audit, {
        target: pipeline.id,
        before: before?.settings ?? null,
        after: checked.data,
      });
      return { saved: true as const };
    }),

  /** Sends one kind of maintenance to the pipeline's agent now (CONFLICT while one of its kind is out). */
  runNow: orgProcedure('EDITOR')
    .input(byPipeline.extend({ kind: kindSchema }))
    .output(z.object({ runId: z.string(), jobId: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const pipeline = await orgPipeline(ctx, input.pipelineId);
      const { sent, outstanding } = await sendMaintenanceNow(
        ctx.db,
        redisOf(ctx),
        pipeline,
        input.kind,
        ctx.session.userId,
        new Date(),
      ).catch((error) => {
        if (error instanceof NoMemberOnlineError)
          throw new TRPCError({ code: 'PRECONDITION_FAILED', message: error.message });
        throw error;
      });
      if (!sent)
        throw new TRPCError({
          code: 'CONFLICT',
          message: `a ${input.kind} job sent at ${outstanding.sentAt.toISOString()} has not finished yet`,
        });
      Object.assign(ctx.audit, { target: pipeline.id, after: { kind: input.kind, jobId: sent.jobId } });
      return { runId: sent.id, jobId: sent.jobId };
    }),
});
