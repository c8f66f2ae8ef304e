import type { PrismaClient } from '@floe/db';
import { hashPassword, verifyPassword } from './password';
import { revokeAllSessions } from './sessions';

export type PasswordChangeResult = { changed: true; signedOut: number } | { changed: false; reason: string };

/**
 * A signed-in user's new password, given the current one (a borrowed browser alone cannot change
 * it). Every other session of the user is signed out; `keepSession`, the one asking, stays.
 */
export async function changePassword(
  db: PrismaClient,
  {
    userId,
    current,
    next,
    keepSession,
  }: { userId: string; current: string; next: string; keepSession?: string },
): Promise<PasswordChangeResult> {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId } });
  if (!user.passwordHash) {
    return {
      changed: false,
      reason:
        'this account signs in by single sign-on and has no password: use "Forgot your password?" to set one',
    };
  }
  if (!(await verifyPassword(current, user.passwordHash)))
    return { changed: false, reason: 'the current password is not right' };
  const passwordHash = await hashPassword(next);
  return db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { passwordHash } });
    return { changed: true, signedOut: await revokeAllSessions(tx, userId, keepSession) };
  });
}
