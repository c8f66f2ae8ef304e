import { appRouter, createCallerFactory } from '@floe/api';
import { db } from '@floe/db';
import { currentUserId } from './auth';
import { redis } from './redis';

const createCaller = createCallerFactory(appRouter);

/** A tRPC caller for server components, as the signed-in user (if any). */
export async function serverCaller() {
  const userId = await currentUserId();
  return createCaller({ db: db(), session: userId ? { userId } : null, redis });
}
