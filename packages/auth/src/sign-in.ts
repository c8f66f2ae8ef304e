import type { PrismaClient } from '@floe/db';
import { verifyPassword } from './password';

export const SIGN_IN_POLICY = {
  /** Consecutive failures that lock an account. */
  maxFailures: 5,
  lockMinutes: 15,
  /** Failed attempts from one address (any account) allowed per window: stops password spraying, not offices behind one NAT. */
  maxFailuresPerAddress: 50,
  windowMinutes: 15,
} as const;

export type SignInFailure = 'invalid' | 'locked' | 'rate-limited';

export class SignInError extends Error {
  constructor(
    readonly reason: SignInFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

// Compared against when the email is unknown, so a wrong email takes as long as a wrong password.
const UNKNOWN_USER_HASH = '$2b$12$mbAxFWwY8K.AA/gYt0HvsOHGUXYOkBypQrqP60dK4RtYiEh0J0.eC';

/**
 * Checks an email and password: rate-limited per address, and an account locks for a while
 * after repeated failures. The error never says whether the email exists.
 */
export async function verifyCredentials(
  db: PrismaClient,
  { email, password, ip }: { email: string; password: string; ip?: string | undefined },
  now = new Date(),
) {
  const normalized = email.trim().toLowerCase();
  const windowStart = new Date(now.getTime() - SIGN_IN_POLICY.windowMinutes * 60_000);
  if (ip) {
    const failures = await db.signInAttempt.count({
      where: { ip, succeeded: false, createdAt: { gte: windowStart } },
    });
    if (failures >= SIGN_IN_POLICY.maxFailuresPerAddress) {
      throw new SignInError(
        'rate-limited',
        'too many sign-in attempts from this address: wait a few minutes',
      );
    }
  }
  const user = await db.user.findUnique({ where: { email: normalized } });
  const record = (succeeded: boolean) =>
    db.signInAttempt.create({ data: { email: normalized, ip: ip ?? null, succeeded } });

  if (user?.lockedUntil && user.lockedUntil > now) {
    await record(false);
    throw new SignInError(
      'locked',
      `this account is locked after repeated failures until ${user.lockedUntil.toISOString()}`,
    );
  }
  const ok = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
  await record(ok && user !== null);
  if (!user || !ok) {
    if (user) {
      const failures = user.failedSignIns + 1;
      const lock = failures >= SIGN_IN_POLICY.maxFailures;
      await db.user.update({
        where: { id: user.id },
        data: {
          failedSignIns: lock ? 0 : failures,
          lockedUntil: lock ? new Date(now.getTime() + SIGN_IN_POLICY.lockMinutes * 60_000) : null,
        },
      });
    }
    throw new SignInError('invalid', 'email or password is wrong');
  }
  if (user.failedSignIns > 0 || user.lockedUntil) {
    await db.user.update({ where: { id: user.id }, data: { failedSignIns: 0, lockedUntil: null } });
  }
  return user;
}
