import { appRouter, createCallerFactory } from '@floe/api';
import { db } from '@floe/db';
import { currentSession } from './auth';
import { redis } from './redis';

const createCaller = createCallerFactory(appRouter);

/** A tRPC caller for server components, as the signed-in user (if any). */
export async function serverCaller() {
  return createCaller({ db: db(), session: await currentSession(), redis });
}
