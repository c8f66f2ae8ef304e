import { z } from 'zod';
import { accountRouter } from './router/account';
import { agentRouter } from './router/agent';
import { auditRouter } from './router/audit';
import { backfillRouter } from './router/backfill';
import { connectionRouter } from './router/connection';
import { contractRouter } from './router/contract';
import { discoveryRouter } from './router/discovery';
import { fleetRouter } from './router/fleet';
import { maintenanceRouter } from './router/maintenance';
import { memberRouter } from './router/member';
import { orgRouter } from './router/org';
import { pipelineRouter } from './router/pipeline';
import { poolRouter } from './router/pool';
import { recoveryRouter } from './router/recovery';
import { publicProcedure, router } from './trpc';

export const appRouter = router({
  /** Whether the control plane can reach its database (for load balancers and `npm start`). */
  health: publicProcedure.output(z.object({ database: z.enum(['up', 'down']) })).query(async ({ ctx }) => {
    try {
      await ctx.db.$queryRaw`SELECT 1`;
      return { database: 'up' as const };
    } catch {
      return { database: 'down' as const };
    }
  }),
  account: accountRouter,
  agent: agentRouter,
  audit: auditRouter,
  backfill: backfillRouter,
  connection: connectionRouter,
  contract: contractRouter,
  discovery: discoveryRouter,
  fleet: fleetRouter,
  maintenance: maintenanceRouter,
  member: memberRouter,
  org: orgRouter,
  pipeline: pipelineRouter,
  pool: poolRouter,
  recovery: recoveryRouter,
});

export type AppRouter = typeof appRouter;
