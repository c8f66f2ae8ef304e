// A contract's alert destinations (router.ts) and their deliveries: messages, signed webhook posts,
// the secrets they are signed with.
import { randomBytes } from 'node:crypto';
import { alertDestinationSchema } from '@floe/contracts';
import type { PrismaClient } from '@floe/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { recordId } from '../../record-id';
import { orgProcedure, router } from '../../trpc';
import { contractedTable, qualifiedName } from '../status';
import { sendAlert } from './deliveries';
import { type AlertKind, alertBody } from './messages';
import { sealSecret } from './secret-box';
import { newSigningSecret } from './signature';

// Each destination is one more request per incident: a contract announces to this many at most.
export const MAX_DESTINATIONS_PER_CONTRACT = 10;

const byPipeline = z.object({ pipelineId: recordId });
const byDestination = byPipeline.extend({ destinationId: recordId });

/** The organization's contract of the pipeline, or NOT_FOUND. */
async function orgContract(ctx: { db: PrismaClient; org: { id: string } }, pipelineId: string) {
  const contract = await ctx.db.contract.findFirst({
    where: { pipelineId, pipeline: { organizationId: ctx.org.id } },
    include: { pipeline: { include: { versions: { orderBy: { version: 'desc' }, take: 1 } } } },
  });
  if (!contract) throw new TRPCError({ code: 'NOT_FOUND', message: 'write the contract before its alerts' });
  return contract;
}

async function orgDestination(
  ctx: { db: PrismaClient; org: { id: string } },
  { pipelineId, destinationId }: z.infer<typeof byDestination>,
) {
  const contract = await orgContract(ctx, pipelineId);
  const destination = await ctx.db.alertDestination.findFirst({
    where: { id: destinationId, contractId: contract.id },
  });
  if (!destination)
    throw new TRPCError({ code: 'NOT_FOUND', message: `no alert destination ${destinationId}` });
  return { contract, destination };
}

// Destinations are for admins only: a Slack webhook URL is itself a credential to post in a channel.
export const contractAlertsRouter = router({
  list: orgProcedure('ADMIN')
    .input(byPipeline)
    .output(
      z.array(
        z.object({
          id: z.string(),
          kind: alertDestinationSchema.shape.kind,
          url: z.string(),
          createdAt: z.date(),
          lastDelivery: z
            .object({
              event: z.string(),
              createdAt: z.date(),
              attempts: z.number(),
              lastStatus: z.number().nullable(),
              lastError: z.string().nullable(),
              deliveredAt: z.date().nullable(),
              nextAttemptAt: z.date().nullable(),
            })
            .nullable(),
        }),
      ),
    )
    .query(async ({ ctx, input }) => {
      const contract = await orgContract(ctx, input.pipelineId);
      const destinations = await ctx.db.alertDestination.findMany({
        where: { contractId: contract.id },
        include: { deliveries: { orderBy: { createdAt: 'desc' }, take: 1 } },
        orderBy: { createdAt: 'asc' },
      });
      return destinations.map((d) => {
        const last = d.deliveries[0];
        return {
          id: d.id,
          kind: d.kind as AlertKind,
          url: d.url,
          createdAt: d.createdAt,
          lastDelivery: last
            ? {
                event: last.event,
                createdAt: last.createdAt,
                attempts: last.attempts,
                lastStatus: last.lastStatus,
                lastError: last.lastError,
                deliveredAt: last.deliveredAt,
                nextAttemptAt: last.nextAttemptAt,
              }
            : null,
        };
      });
    }),

  /** Adds a destination; its signing secret is in this answer only. */
  create: orgProcedure('ADMIN')
    .input(byPipeline.extend(alertDestinationSchema.shape))
    .output(z.object({ id: z.string(), signingSecret: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const contract = await orgContract(ctx, input.pipelineId);
      if (
        (await ctx.db.alertDestination.count({ where: { contractId: contract.id } })) >=
        MAX_DESTINATIONS_PER_CONTRACT
      ) {
        throw new TRPCError({
          code: 'PRECONDITION_FAILED',
          message: `a contract announces to at most ${MAX_DESTINATIONS_PER_CONTRACT} destinations: remove one first`,
        });
      }
      const signingSecret = newSigningSecret();
      const { id } = await ctx.db.alertDestination.create({
        data: {
          contractId: contract.id,
          kind: input.kind,
          url: input.url,
          signingSecretEncrypted: sealSecret(signingSecret),
          createdById: ctx.session.userId,
        },
      });
      Object.assign(ctx.audit, { target: input.pipelineId, after: { id, kind: input.kind, url: input.url } });
      return { id, signingSecret };
    }),

  /** Sends a signed test message now and says how the receiver answered. */
  test: orgProcedure('ADMIN')
    .input(byDestination)
    .output(z.object({ ok: z.boolean(), status: z.number().nullable(), error: z.string().nullable() }))
    .mutation(async ({ ctx, input }) => {
      const { contract, destination } = await orgDestination(ctx, input);
      const { pipeline } = contract;
      const table = contractedTable(pipeline, pipeline.versions[0]?.spec);
      const body = alertBody(destination.kind as AlertKind, {
        event: 'test',
        pipeline: { id: pipeline.id, name: pipeline.name },
        table: qualifiedName(table),
      });
      ctx.audit.target = destination.id;
      const message = { id: `test_${randomBytes(9).toString('base64url')}`, event: 'test', body };
      try {
        const status = await sendAlert(destination, message, new Date());
        const ok = status >= 200 && status < 300;
        return { ok, status, error: ok ? null : `the receiver answered HTTP ${status}` };
      } catch (error) {
        return { ok: false, status: null, error: error instanceof Error ? error.message : String(error) };
      }
    }),

  remove: orgProcedure('ADMIN')
    .input(byDestination)
    .output(z.object({ removed: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const { destination } = await orgDestination(ctx, input);
      await ctx.db.alertDestination.delete({ where: { id: destination.id } });
      Object.assign(ctx.audit, {
        target: input.pipelineId,
        before: { id: destination.id, kind: destination.kind, url: destination.url },
      });
      return { removed: true as const };
    }),
});
