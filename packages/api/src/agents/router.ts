// The agents domain: registering and revoking agents (router.ts); their enrollment and tokens, job
// dispatch, reconciliation, events and status, the agent HTTP API (http/) and the BullMQ
// transport's Redis ACLs.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { recordId } from '../record-id';
import { orgProcedure, redisOf, router } from '../trpc';
import { createAgent, revokeAgent } from './enrollment';
import { agentStatus, agentStatusSchema } from './status';

/** Agent names: also the stem of a pool's members' names. */
export const agentNameSchema = z
  .string()
  .trim()
  .min(2, 'at least 2 characters')
  .max(60, 'at most 60 characters')
  .regex(/^[\w .-]+$/, 'letters, digits, spaces, dots, dashes and underscores only');

const agentSummary = z.object({
  id: z.string(),
  name: z.string(),
  status: agentStatusSchema,
  /** The pool it enrolled into, if any. */
  pool: z.string().nullable(),
  version: z.string().nullable(),
  lastHeartbeatAt: z.date().nullable(),
  apiTokenPrefix: z.string().nullable(),
  createdAt: z.date(),
  pipelines: z.array(z.string()),
});

export const agentRouter = router({
  list: orgProcedure('VIEWER')
    .output(z.array(agentSummary))
    .query(async ({ ctx }) => {
      const agents = await ctx.db.agent.findMany({
        where: { organizationId: ctx.org.id },
        include: {
          pipelines: { select: { name: true }, orderBy: { name: 'asc' } },
          pool: { select: { name: true } },
        },
        orderBy: { createdAt: 'asc' },
      });
      return agents.map((a) => ({
        id: a.id,
        name: a.name,
        status: agentStatus(a),
        pool: a.pool?.name ?? null,
        version: a.version,
        lastHeartbeatAt: a.lastHeartbeatAt,
        apiTokenPrefix: a.apiTokenPrefix,
        createdAt: a.createdAt,
        pipelines: a.pipelines.map((p) => p.name),
      }));
    }),

  /** Registers an agent; the install token is in this answer and nowhere else, ever. */
  create: orgProcedure('ADMIN')
    .input(z.object({ name: agentNameSchema }))
    .output(z.object({ id: z.string(), installToken: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const taken = await ctx.db.agent.findUnique({
        where: { organizationId_name: { organizationId: ctx.org.id, name: input.name } },
      });
      if (taken) throw new TRPCError({ code: 'CONFLICT', message: `an agent named ${input.name} exists` });
      const { agent, installToken } = await createAgent(ctx.db, ctx.org.id, input.name);
      ctx.audit.target = agent.id;
      return { id: agent.id, installToken };
    }),

  revoke: orgProcedure('ADMIN')
    .input(z.object({ agentId: recordId }))
    .output(z.object({ revoked: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const agent = await ctx.db.agent.findFirst({
        where: { id: input.agentId, organizationId: ctx.org.id },
      });
      if (!agent) throw new TRPCError({ code: 'NOT_FOUND', message: `no agent ${input.agentId}` });
      await revokeAgent(ctx.db, redisOf(ctx), agent.id);
      Object.assign(ctx.audit, { target: agent.id, before: { revoked: false }, after: { revoked: true } });
      return { revoked: true as const };
    }),
});
