import type { PrismaClient } from '@floe/db';
import { hashPassword } from './password';
import { revokeAllSessions } from './sessions';
import { SignInError, verifyCredentials } from './sign-in';

export type PasswordChangeResult = { changed: true; signedOut: number } | { changed: false; reason: string };

/**
 * A signed-in user's new password, given the current one (a borrowed browser alone cannot change
 * it). The current password is checked as a sign-in is, within its limits (5 wrong ones lock the
 * form for 15 minutes), so a stolen session cannot guess it. Every other session of the user is
 * signed out; `keepSession`, the one asking, stays.
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
  try {
    // No client address: every try from a session counts in one bucket of the account.
    await verifyCredentials(db, { email: user.email, password: current });
  } catch (error) {
    if (!(error instanceof SignInError)) throw error;
    return {
      changed: false,
      reason: error.reason === 'invalid' ? 'the current password is not right' : error.message,
    };
  }
  const passwordHash = await hashPassword(next);
  return db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { passwordHash } });
    return { changed: true, signedOut: await revokeAllSessions(tx, userId, keepSession) };
  });
}
