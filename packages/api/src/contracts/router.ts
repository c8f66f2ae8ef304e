// The contracts domain: a pipeline's freshness and quality promise (router.ts), its evaluation every
// minute (evaluate.ts, scheduler.ts), incidents, reports and share pages, and its alerts (alerts/).
import { randomBytes } from 'node:crypto';
import { contractSchema } from '@floe/contracts';
import type { PrismaClient } from '@floe/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { pipelineCutovers } from '../backfill/cutovers';
import { recordId } from '../record-id';
import { type AuditNote, orgProcedure, router } from '../trpc';
import { contractAlertsRouter } from './alerts/router';
import { contractHealth } from './health';

const byPipeline = z.object({ pipelineId: recordId });

const healthSchema = z.object({
  compliance: z.object({
    windowDays: z.number(),
    targetPercent: z.number(),
    evaluatedMinutes: z.number(),
    minutesWithinSlo: z.number(),
    compliancePercent: z.number().nullable(),
    budgetMinutes: z.number(),
    budgetLeftMinutes: z.number(),
    burnRate: z.number().nullable(),
  }),
  daily: z.array(
    z.object({
      dayStartMs: z.number(),
      compliancePercent: z.number().nullable(),
      worstSeconds: z.number().nullable(),
    }),
  ),
  incidents: z.array(
    z.object({
      id: z.string(),
      startedAt: z.date(),
      resolvedAt: z.date().nullable(),
      peakSeconds: z.number().nullable(),
      sloMinutes: z.number(),
    }),
  ),
  cutovers: z.array(
    z.object({
      backfillId: z.string(),
      at: z.date(),
      snapshotId: z.string(),
      replacedSnapshotId: z.string().nullable(),
    }),
  ),
});

type LinkField = 'shareToken' | 'badgeToken';
type OrgContext = { db: PrismaClient; org: { id: string }; audit: AuditNote };

/** Gives the pipeline's contract a fresh unguessable token in `field`. */
async function newLink(ctx: OrgContext, pipelineId: string, field: LinkField) {
  const contract = await ctx.db.contract.findFirst({
    where: { pipelineId, pipeline: { organizationId: ctx.org.id } },
  });
  if (!contract) throw new TRPCError({ code: 'NOT_FOUND', message: 'write the contract before sharing it' });
  const token = randomBytes(24).toString('base64url');
  await ctx.db.contract.update({ where: { id: contract.id }, data: { [field]: token } });
  ctx.audit.target = pipelineId;
  return token;
}

async function revokeLink(ctx: OrgContext, pipelineId: string, field: LinkField) {
  const { count } = await ctx.db.contract.updateMany({
    where: { pipelineId, pipeline: { organizationId: ctx.org.id } },
    data: { [field]: null },
  });
  if (count === 0) throw new TRPCError({ code: 'NOT_FOUND', message: `no contract for ${pipelineId}` });
  ctx.audit.target = pipelineId;
  return { revoked: true as const };
}

export const contractRouter = router({
  get: orgProcedure('VIEWER')
    .input(byPipeline)
    .output(
      z.object({
        contract: contractSchema.nullable(),
        version: z.number(),
        shareToken: z.string().nullable(),
        badgeToken: z.string().nullable(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const pipeline = await ctx.db.pipeline.findFirst({
        where: { id: input.pipelineId, organizationId: ctx.org.id },
        include: { contract: { include: { versions: { orderBy: { version: 'desc' }, take: 1 } } } },
      });
      if (!pipeline) throw new TRPCError({ code: 'NOT_FOUND', message: `no pipeline ${input.pipelineId}` });
      const contract = pipeline.contract;
      const isAdmin = ctx.role === 'OWNER' || ctx.role === 'ADMIN';
      return {
        contract: contract ? contractSchema.parse(contract.versions[0]?.body) : null,
        version: contract?.currentVersion ?? 0,
        // Only admins see (and so can pass on) the share and badge links.
        shareToken: isAdmin ? (contract?.shareToken ?? null) : null,
        badgeToken: isAdmin ? (contract?.badgeToken ?? null) : null,
      };
    }),

  /** How the pipeline kept its contract: compliance, error budget, daily points, incidents (null: no contract). */
  health: orgProcedure('VIEWER')
    .input(byPipeline)
    .output(healthSchema.nullable())
    .query(async ({ ctx, input }) => {
      const contract = await ctx.db.contract.findFirst({
        where: { pipelineId: input.pipelineId, pipeline: { organizationId: ctx.org.id } },
        include: { versions: { orderBy: { version: 'desc' }, take: 1 } },
      });
      if (!contract) return null;
      const [health, cutovers] = await Promise.all([
        contractHealth(ctx.db, contract.pipelineId, contractSchema.parse(contract.versions[0]?.body).slo),
        pipelineCutovers(ctx.db, ctx.org.id, contract.pipelineId),
      ]);
      return { ...health, cutovers };
    }),

  /** Saves the contract as a new version. */
  save: orgProcedure('EDITOR')
    .input(byPipeline.extend({ contract: contractSchema }))
    .output(z.object({ version: z.number() }))
    .mutation(async ({ ctx, input }) => {
      const pipeline = await ctx.db.pipeline.findFirst({
        where: { id: input.pipelineId, organizationId: ctx.org.id },
        include: { contract: { include: { versions: { orderBy: { version: 'desc' }, take: 1 } } } },
      });
      if (!pipeline) throw new TRPCError({ code: 'NOT_FOUND', message: `no pipeline ${input.pipelineId}` });
      const version = (pipeline.contract?.currentVersion ?? 0) + 1;
      const by = ctx.session.userId;
      if (pipeline.contract) {
        await ctx.db.contract.update({
          where: { id: pipeline.contract.id },
          data: {
            currentVersion: version,
            versions: { create: { version, body: input.contract, createdById: by } },
          },
        });
      } else {
        await ctx.db.contract.create({
          data: {
            pipelineId: pipeline.id,
            currentVersion: 1,
            versions: { create: { version: 1, body: input.contract, createdById: by } },
          },
        });
      }
      Object.assign(ctx.audit, {
        target: pipeline.id,
        before: pipeline.contract?.versions[0]?.body ?? null,
        after: input.contract,
      });
      return { version };
    }),

  /** A new unguessable link to the share page (any previous one stops working). */
  share: orgProcedure('ADMIN')
    .input(byPipeline)
    .output(z.object({ shareToken: z.string() }))
    .mutation(async ({ ctx, input }) => ({ shareToken: await newLink(ctx, input.pipelineId, 'shareToken') })),

  revokeShare: orgProcedure('ADMIN')
    .input(byPipeline)
    .output(z.object({ revoked: z.literal(true) }))
    .mutation(async ({ ctx, input }) => revokeLink(ctx, input.pipelineId, 'shareToken')),

  /** A new link to the freshness badge alone (any previous one stops working; the page link stays). */
  shareBadge: orgProcedure('ADMIN')
    .input(byPipeline)
    .output(z.object({ badgeToken: z.string() }))
    .mutation(async ({ ctx, input }) => ({ badgeToken: await newLink(ctx, input.pipelineId, 'badgeToken') })),

  revokeBadge: orgProcedure('ADMIN')
    .input(byPipeline)
    .output(z.object({ revoked: z.literal(true) }))
    .mutation(async ({ ctx, input }) => revokeLink(ctx, input.pipelineId, 'badgeToken')),

  alerts: contractAlertsRouter,
});
