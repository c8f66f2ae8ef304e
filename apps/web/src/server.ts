import { appRouter, createCallerFactory } from '@floe/api';
import { db } from '@floe/db';

const createCaller = createCallerFactory(appRouter);

/** A tRPC caller for server components and route handlers (no session until sign-in lands). */
export function serverCaller() {
  return createCaller({ db: db(), session: null });
}
