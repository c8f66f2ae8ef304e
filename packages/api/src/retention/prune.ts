import { SIGN_IN_POLICY } from '@floe/auth';
import type { PrismaClient } from '@floe/db';

export const DEFAULT_RETENTION_DAYS = 30;
const BATCH = 5_000;
const DAY_MS = 86_400_000;

/** FLOE_RETENTION_DAYS: how long agent events (commit reports, job results, metrics, errors) are kept. */
export function retentionDaysOf(env: Record<string, string | undefined>): number {
  const raw = env.FLOE_RETENTION_DAYS ?? String(DEFAULT_RETENTION_DAYS);
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1) {
    throw new Error(`FLOE_RETENTION_DAYS must be a whole number of days, 1 or more, not "${raw}"`);
  }
  return days;
}

/**
 * Deletes agent events older than `retentionDays`, and sign-in attempts older than the sign-in limits
 * look back, a batch at a time: no statement holds many row locks or runs for long. Returns the counts.
 */
export async function pruneOldRows(db: PrismaClient, retentionDays: number, now = new Date()) {
  const eventsBefore = new Date(now.getTime() - retentionDays * DAY_MS);
  const attemptsBefore = new Date(now.getTime() - SIGN_IN_POLICY.knownAddressDays * DAY_MS);
  let agentEvents = 0;
  for (let deleted = BATCH; deleted === BATCH; agentEvents += deleted) {
    deleted = await db.$executeRaw`
      DELETE FROM "AgentEvent" WHERE id IN (
        SELECT id FROM "AgentEvent" WHERE "receivedAt" < ${eventsBefore} ORDER BY "receivedAt" LIMIT ${BATCH})`;
  }
  let signInAttempts = 0;
  for (let deleted = BATCH; deleted === BATCH; signInAttempts += deleted) {
    deleted = await db.$executeRaw`
      DELETE FROM "SignInAttempt" WHERE id IN (
        SELECT id FROM "SignInAttempt" WHERE "createdAt" < ${attemptsBefore} ORDER BY "createdAt" LIMIT ${BATCH})`;
  }
  return { agentEvents, signInAttempts };
}
