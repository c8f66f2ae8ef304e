// The agent pools domain: pools of agents that share a pipeline's partitions, and their reusable
// enrollment tokens (made in agents/enrollment.ts).
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createAgentPool, newPoolEnrollmentToken } from '../agents/enrollment';
import { agentNameSchema } from '../agents/router';
import { agentStatus, agentStatusSchema } from '../agents/status';
import { recordId } from '../record-id';
import { orgProcedure, router } from '../trpc';

// Members are named `<pool>-<6 hex>`, within an agent name's 60 characters.
const poolName = agentNameSchema.pipe(z.string().max(53, 'at most 53 characters'));

const poolSummary = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.date(),
  members: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      status: agentStatusSchema,
      version: z.string().nullable(),
      lastHeartbeatAt: z.date().nullable(),
    }),
  ),
  pipelines: z.array(z.string()),
});

/**
 * Agent pools: agents that run the same pipelines together (the Helm chart's replicas). A pool has one
 * reusable enrollment token; each agent enrolling with it becomes a member with its own identity and
 * credentials. A pipeline assigned to the pool runs on every online member.
 */
export const poolRouter = router({
  list: orgProcedure('VIEWER')
    .output(z.array(poolSummary))
    .query(async ({ ctx }) => {
      const pools = await ctx.db.agentPool.findMany({
        where: { organizationId: ctx.org.id },
        include: {
          agents: { orderBy: { createdAt: 'asc' } },
          pipelines: { select: { name: true }, orderBy: { name: 'asc' } },
        },
        orderBy: { createdAt: 'asc' },
      });
      const now = Date.now();
      return pools.map((p) => ({
        id: p.id,
        name: p.name,
        createdAt: p.createdAt,
        members: p.agents.map((a) => ({
          id: a.id,
          name: a.name,
          status: agentStatus(a, now),
          version: a.version,
          lastHeartbeatAt: a.lastHeartbeatAt,
        })),
        pipelines: p.pipelines.map((pl) => pl.name),
      }));
    }),

  /** Creates a pool; its enrollment token is in this answer and nowhere else, ever. */
  create: orgProcedure('ADMIN')
    .input(z.object({ name: poolName }))
    .output(z.object({ id: z.string(), enrollmentToken: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const taken = await ctx.db.agentPool.findUnique({
        where: { organizationId_name: { organizationId: ctx.org.id, name: input.name } },
      });
      if (taken) throw new TRPCError({ code: 'CONFLICT', message: `a pool named ${input.name} exists` });
      const { pool, enrollmentToken } = await createAgentPool(ctx.db, ctx.org.id, input.name);
      Object.assign(ctx.audit, { target: pool.id, after: { name: pool.name } });
      return { id: pool.id, enrollmentToken };
    }),

  /** Replaces the pool's enrollment token (a leaked one stops enrolling); members keep their credentials. */
  newEnrollmentToken: orgProcedure('ADMIN')
    .input(z.object({ poolId: recordId }))
    .output(z.object({ enrollmentToken: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const pool = await ctx.db.agentPool.findFirst({
        where: { id: input.poolId, organizationId: ctx.org.id },
      });
      if (!pool) throw new TRPCError({ code: 'NOT_FOUND', message: `no pool ${input.poolId}` });
      const enrollmentToken = await newPoolEnrollmentToken(ctx.db, pool.id);
      ctx.audit.target = pool.id;
      return { enrollmentToken };
    }),
});
