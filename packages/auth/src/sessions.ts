import type { PrismaClient } from '@floe/db';

export const SESSION_DAYS = 30;

export async function createSession(
  db: PrismaClient,
  userId: string,
  userAgent?: string | null,
  now = new Date(),
) {
  return db.session.create({
    data: {
      userId,
      userAgent: userAgent ?? null,
      expiresAt: new Date(now.getTime() + SESSION_DAYS * 86_400_000),
    },
  });
}

/** The user of a live session (not revoked, not expired), or null. */
export async function sessionUser(db: PrismaClient, sessionId: string, now = new Date()) {
  const session = await db.session.findUnique({ where: { id: sessionId }, include: { user: true } });
  if (!session || session.revokedAt || session.expiresAt <= now) return null;
  return session.user;
}

export async function revokeSession(db: PrismaClient, sessionId: string) {
  await db.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
}

/** Signs the user out of every browser, except the session `keep` when given (the one asking). */
export async function revokeAllSessions(db: Pick<PrismaClient, 'session'>, userId: string, keep?: string) {
  const { count } = await db.session.updateMany({
    where: { userId, revokedAt: null, ...(keep ? { id: { not: keep } } : {}) },
    data: { revokedAt: new Date() },
  });
  return count;
}
