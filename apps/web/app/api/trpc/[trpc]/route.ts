import { appRouter } from '@floe/api';
import { db } from '@floe/db';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { currentUserId } from '../../../../src/auth';
import { redis } from '../../../../src/redis';

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: async () => {
      const userId = await currentUserId();
      return { db: db(), session: userId ? { userId } : null, redis };
    },
  });

export { handler as GET, handler as POST };
