// The pipelines domain: pipelines and their versions (router.ts), the wizard's form schema the web
// app imports as @floe/api/pipeline-form (schemas.ts), the spec built from it (build-spec.ts), where a
// pipeline runs (placement.ts), its jobs, members and metrics.
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@floe/db';
import { backfillRefusal, type Job, pipelineSpecSchema } from '@floe/protocol';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { sendJob } from '../agents/dispatch';
import { agentStatusSchema } from '../agents/status';
import { currentFreshness } from '../contracts/status';
import { recordId } from '../record-id';
import { orgProcedure, redisOf, router } from '../trpc';
import { buildPipelineSpec } from './build-spec';
import { pipelineMembers } from './members';
import { pipelineMetrics } from './metrics';
import { orgPipeline } from './org-pipeline';
import { type Placement, reportingAgents, runningAgents } from './placement';
import { pipelineWizardSchema } from './schemas';

const pipelineRow = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['RUNNING', 'PAUSED']),
  /** The agent's name, or the pool's when it runs on a pool. */
  agentName: z.string(),
  onPool: z.boolean(),
  version: z.number(),
  table: z.string(),
  topics: z.array(z.string()),
  /** Why its table cannot be backfilled (the rule), or null. */
  backfillRefusal: z.string().nullable(),
});

const byId = z.object({ pipelineId: recordId });

/**
 * Where the wizard's `agentId` says the pipeline runs: an active agent of the organization, or one of
 * its pools (every online member runs it).
 */
async function placementOf(
  ctx: { db: PrismaClient; org: { id: string } },
  runsOn: string,
): Promise<Placement> {
  const organizationId = ctx.org.id;
  const agent = await ctx.db.agent.findFirst({ where: { id: runsOn, organizationId, revokedAt: null } });
  if (agent) return { agentId: agent.id, poolId: null };
  const pool = await ctx.db.agentPool.findFirst({ where: { id: runsOn, organizationId } });
  if (pool) return { agentId: null, poolId: pool.id };
  throw new TRPCError({
    code: 'BAD_REQUEST',
    message: 'agentId: choose an active agent or a pool of this organization',
  });
}

/** Sends the job to every agent the pipeline runs on now (a pool's online members); returns the job ids. */
async function sendToRunners(
  ctx: Parameters<typeof redisOf>[0] & { db: PrismaClient },
  placement: Placement,
  job: Job,
) {
  const agents = await runningAgents(ctx.db, placement);
  return Promise.all(agents.map((agentId) => sendJob(redisOf(ctx), agentId, job)));
}

/** Pause (the agent stops it) or resume (the agent starts the newest version again). */
function changeStatus<S extends 'RUNNING' | 'PAUSED'>(status: S) {
  return orgProcedure('EDITOR')
    .input(byId)
    .output(z.object({ status: z.literal(status) }))
    .mutation(async ({ ctx, input }) => {
      const pipeline = await orgPipeline(ctx, input.pipelineId);
      await ctx.db.pipeline.update({ where: { id: pipeline.id }, data: { status } });
      const job: Job =
        status === 'RUNNING'
          ? { kind: 'pipeline.start', pipeline: pipelineSpecSchema.parse(pipeline.versions[0]?.spec) }
          : { kind: 'pipeline.stop', pipelineId: pipeline.id };
      await sendToRunners(ctx, pipeline, job);
      Object.assign(ctx.audit, {
        target: pipeline.id,
        before: { status: pipeline.status },
        after: { status },
      });
      return { status };
    });
}

export const pipelineRouter = router({
  list: orgProcedure('VIEWER')
    .output(z.array(pipelineRow))
    .query(async ({ ctx }) => {
      const pipelines = await ctx.db.pipeline.findMany({
        where: { organizationId: ctx.org.id },
        include: { agent: true, pool: true, versions: { orderBy: { version: 'desc' }, take: 1 } },
        orderBy: { name: 'asc' },
      });
      return pipelines.map((p) => {
        const spec = pipelineSpecSchema.parse(p.versions[0]?.spec);
        return {
          id: p.id,
          name: p.name,
          status: p.status,
          agentName: p.agent?.name ?? p.pool?.name ?? '',
          onPool: p.pool !== null,
          version: p.currentVersion,
          table: [...spec.table.namespace, spec.table.name].join('.'),
          topics: spec.source.topics,
          backfillRefusal: backfillRefusal(spec) ?? null,
        };
      });
    }),

  /** What the agent reported for the pipeline over the last day: commits, dead letters, errors, freshness now. */
  metrics: orgProcedure('VIEWER')
    .input(byId)
    .output(
      z.object({
        /** One point per commit, or per time bucket when the day had more commits than points. */
        commits: z.array(
          z.object({
            atMs: z.number(),
            commits: z.number(),
            records: z.number(),
            bytes: z.number(),
            dataFiles: z.number(),
            deadLettered: z.number(),
          }),
        ),
        errors: z.array(z.object({ atMs: z.number(), errorClass: z.string(), message: z.string() })),
        /** The agent's throughput and lag readings (every heartbeat, 10 s), downsampled the same way. */
        rates: z.array(z.object({ atMs: z.number(), recordsPerSecond: z.number(), lagRecords: z.number() })),
        /** Over the whole 24 hours. */
        totals: z.object({ commits: z.number(), records: z.number(), deadLettered: z.number() }),
        freshnessSeconds: z.number().nullable(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const pipeline = await orgPipeline(ctx, input.pipelineId);
      const [metrics, freshness] = await Promise.all([
        pipelineMetrics(ctx.db, { id: pipeline.id, agentIds: await reportingAgents(ctx.db, pipeline) }),
        currentFreshness(ctx.db, pipeline.id),
      ]);
      return {
        ...metrics,
        freshnessSeconds: freshness && Number.isFinite(freshness.seconds) ? freshness.seconds : null,
      };
    }),

  /** Who runs it now (its agent, or its pool's members), each with its partitions, rate and lag. */
  members: orgProcedure('VIEWER')
    .input(byId)
    .output(
      z.array(
        z.object({
          agentId: z.string(),
          name: z.string(),
          status: agentStatusSchema,
          reportedAtMs: z.number().nullable(),
          recordsPerSecond: z.number().nullable(),
          lagRecords: z.string().nullable(),
          partitions: z.array(
            z.object({
              topic: z.string(),
              partition: z.number(),
              lagRecords: z.string(),
              lagSeconds: z.number().nullable(),
            }),
          ),
        }),
      ),
    )
    .query(async ({ ctx, input }) => pipelineMembers(ctx.db, await orgPipeline(ctx, input.pipelineId))),

  /** Creates version 1 and tells the chosen agent (or every online member of the chosen pool) to start it. */
  create: orgProcedure('EDITOR')
    .input(z.object({ pipeline: pipelineWizardSchema }))
    .output(z.object({ id: z.string(), jobIds: z.array(z.string()) }))
    .mutation(async ({ ctx, input }) => {
      const w = input.pipeline;
      const placement = await placementOf(ctx, w.agentId);
      if (
        await ctx.db.pipeline.findUnique({
          where: { organizationId_name: { organizationId: ctx.org.id, name: w.name } },
        })
      ) {
        throw new TRPCError({ code: 'CONFLICT', message: `a pipeline named ${w.name} exists` });
      }
      const id = `pl-${randomBytes(6).toString('hex')}`;
      const spec = await buildPipelineSpec(ctx.db, ctx.org.id, id, 1, w);
      await ctx.db.pipeline.create({
        data: {
          id,
          organizationId: ctx.org.id,
          name: w.name,
          status: 'RUNNING',
          ...placement,
          currentVersion: 1,
          versions: { create: { version: 1, spec, wizard: input.pipeline, createdById: ctx.session.userId } },
        },
      });
      const jobIds = await sendToRunners(ctx, placement, { kind: 'pipeline.start', pipeline: spec });
      Object.assign(ctx.audit, { target: id, after: { status: 'RUNNING', version: 1, ...placement } });
      return { id, jobIds };
    }),

  /** The wizard answers of the current version, to edit them. */
  wizard: orgProcedure('EDITOR')
    .input(byId)
    .output(z.record(z.string(), z.unknown()).nullable())
    .query(async ({ ctx, input }) => {
      const version = await ctx.db.pipelineVersion.findFirst({
        where: { pipelineId: input.pipelineId, pipeline: { organizationId: ctx.org.id } },
        orderBy: { version: 'desc' },
      });
      if (!version) throw new TRPCError({ code: 'NOT_FOUND', message: `no pipeline ${input.pipelineId}` });
      return (version.wizard as Record<string, unknown> | null) ?? null;
    }),

  /** An edit is a new version; a running pipeline's agent gets it as pipeline.update. */
  update: orgProcedure('EDITOR')
    .input(byId.extend({ pipeline: pipelineWizardSchema }))
    .output(z.object({ version: z.number() }))
    .mutation(async ({ ctx, input }) => {
      const pipeline = await orgPipeline(ctx, input.pipelineId);
      if (
        input.pipeline.agentId !== (pipeline.agentId ?? pipeline.poolId) ||
        input.pipeline.name !== pipeline.name
      ) {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: 'name: a pipeline keeps its name and agent; create a new one to change them',
        });
      }
      const version = pipeline.currentVersion + 1;
      const spec = await buildPipelineSpec(ctx.db, ctx.org.id, pipeline.id, version, input.pipeline);
      await ctx.db.pipeline.update({
        where: { id: pipeline.id },
        data: {
          currentVersion: version,
          versions: { create: { version, spec, wizard: input.pipeline, createdById: ctx.session.userId } },
        },
      });
      if (pipeline.status === 'RUNNING')
        await sendToRunners(ctx, pipeline, { kind: 'pipeline.update', pipeline: spec });
      Object.assign(ctx.audit, {
        target: pipeline.id,
        before: { version: pipeline.currentVersion },
        after: { version },
      });
      return { version };
    }),

  pause: changeStatus('PAUSED'),
  resume: changeStatus('RUNNING'),

  delete: orgProcedure('ADMIN')
    .input(byId)
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const pipeline = await orgPipeline(ctx, input.pipelineId);
      // Stop first: the table and its data stay in the customer's account; only Floe forgets the pipeline.
      await sendToRunners(ctx, pipeline, { kind: 'pipeline.stop', pipelineId: pipeline.id });
      await ctx.db.pipeline.delete({ where: { id: pipeline.id } });
      Object.assign(ctx.audit, {
        target: pipeline.id,
        before: { name: pipeline.name, status: pipeline.status },
      });
      return { deleted: true as const };
    }),
});
