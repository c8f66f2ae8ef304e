import type { PrismaClient } from '@floe/db';
import { verifyPassword } from './password';

export const SIGN_IN_POLICY = {
  windowMinutes: 15,
  /** Failures for one account from one address that lock that address (only) out of it for the window. */
  maxFailures: 5,
  /** Failed attempts from one address (any account) allowed per window: stops password spraying, not offices behind one NAT. */
  maxFailuresPerAddress: 50,
  /**
   * Failures for one account from all addresses per window (guessing spread over many addresses): beyond
   * it, only addresses the account signed in from before (within knownAddressDays) may still try.
   */
  maxFailuresPerAccount: 100,
  knownAddressDays: 90,
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

const minutesBefore = (now: Date, minutes: number) => new Date(now.getTime() - minutes * 60_000);

/**
 * Why this address may not try this account now, or null. Limits are kept per address, so failures
 * someone else causes from their own addresses never lock the owner out of an address they use.
 */
async function refusal(db: PrismaClient, email: string, ip: string | null, now: Date) {
  const since = minutesBefore(now, SIGN_IN_POLICY.windowMinutes);
  const failed = { succeeded: false, createdAt: { gte: since } };
  if (
    ip !== null &&
    (await db.signInAttempt.count({ where: { ip, ...failed } })) >= SIGN_IN_POLICY.maxFailuresPerAddress
  ) {
    return new SignInError('rate-limited', 'too many sign-in attempts from this address: wait a few minutes');
  }
  const locked = new SignInError(
    'locked',
    `too many failed sign-ins to this account from this address: try again in ${SIGN_IN_POLICY.windowMinutes} minutes`,
  );
  if ((await db.signInAttempt.count({ where: { email, ip, ...failed } })) >= SIGN_IN_POLICY.maxFailures)
    return locked;
  if (
    (await db.signInAttempt.count({ where: { email, ...failed } })) >= SIGN_IN_POLICY.maxFailuresPerAccount
  ) {
    const known = await db.signInAttempt.findFirst({
      where: {
        email,
        ip,
        succeeded: true,
        createdAt: { gte: minutesBefore(now, SIGN_IN_POLICY.knownAddressDays * 1440) },
      },
    });
    if (!known) return locked;
  }
  return null;
}

/**
 * Checks an email and password, within the limits of SIGN_IN_POLICY for the client's address
 * (`ip`, see clientAddress). The error never says whether the email exists.
 */
export async function verifyCredentials(
  db: PrismaClient,
  { email, password, ip }: { email: string; password: string; ip?: string | undefined },
  now = new Date(),
) {
  const normalized = email.trim().toLowerCase();
  const address = ip ?? null;
  const record = (succeeded: boolean) =>
    db.signInAttempt.create({ data: { email: normalized, ip: address, succeeded, createdAt: now } });
  const refused = await refusal(db, normalized, address, now);
  if (refused) {
    await record(false);
    throw refused;
  }
  const user = await db.user.findUnique({ where: { email: normalized } });
  const ok = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
  await record(ok && user !== null);
  if (!user || !ok) throw new SignInError('invalid', 'email or password is wrong');
  return user;
}
