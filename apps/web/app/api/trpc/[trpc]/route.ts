import { appRouter } from '@floe/api';
import { db } from '@floe/db';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    // Sessions arrive with sign-in; until then every procedure but `health` answers UNAUTHORIZED.
    createContext: () => ({ db: db(), session: null }),
  });

export { handler as GET, handler as POST };
