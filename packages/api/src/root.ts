import { z } from 'zod';
import { accountRouter } from './account/router';
import { agentRouter } from './agents/router';
import { auditRouter } from './audit/router';
import { backfillRouter } from './backfill/router';
import { connectionRouter } from './connections/router';
import { contractRouter } from './contracts/router';
import { discoveryRouter } from './discovery/router';
import { fleetRouter } from './fleet/router';
import { maintenanceRouter } from './maintenance/router';
import { memberRouter } from './members/router';
import { orgRouter } from './orgs/router';
import { pipelineRouter } from './pipelines/router';
import { poolRouter } from './pools/router';
import { recoveryRouter } from './recovery/router';
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
