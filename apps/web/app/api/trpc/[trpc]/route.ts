import { appRouter } from '@floe/api';
import { db } from '@floe/db';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { currentUserId } from '../../../../src/auth';

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: async () => {
      const userId = await currentUserId();
      return { db: db(), session: userId ? { userId } : null };
    },
  });

export { handler as GET, handler as POST };
