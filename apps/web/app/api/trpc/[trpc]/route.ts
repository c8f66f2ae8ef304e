import { appRouter } from '@floe/api';
import { db } from '@floe/db';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { currentSession } from '../../../../src/auth';
import { redis } from '../../../../src/redis';
import { TRPC_MAX_BATCH_SIZE } from '../../../../src/trpc/batch';

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    maxBatchSize: TRPC_MAX_BATCH_SIZE,
    createContext: async () => ({ db: db(), session: await currentSession(), redis }),
  });

export { handler as GET, handler as POST };
