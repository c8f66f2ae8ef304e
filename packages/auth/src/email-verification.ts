import type { PrismaClient } from '@floe/db';
import { sendAccountMail } from './mail';
import { newToken, tokenHash as sha256, tokenLink } from './one-time-token';

const VERIFICATION_HOURS = 48;

/** A one-time link token proving `email` belongs to the user; only its hash is stored. */
export async function issueEmailVerification(
  db: Pick<PrismaClient, 'emailVerification'>,
  { userId, email }: { userId: string; email: string },
  now = new Date(),
): Promise<string> {
  const token = newToken('floe_ver_');
  await db.emailVerification.create({
    data: {
      tokenHash: sha256(token),
      userId,
      email,
      expiresAt: new Date(now.getTime() + VERIFICATION_HOURS * 3_600_000),
    },
  });
  return token;
}

/** Where the owner of the address confirms it: `<base>/verify-email/<token>`. */
export function verificationLink(token: string): string {
  return tokenLink('verify-email', token);
}

/** Mails the verification link (to the server log, and by SMTP when configured). */
export function mailVerificationLink(email: string, token: string) {
  return sendAccountMail({
    to: email,
    subject: 'Confirm your email address for Floe',
    text: `Open this link to confirm that ${email} is yours (it works once, within ${VERIFICATION_HOURS} hours):\n${verificationLink(token)}\n`,
  });
}

export type VerifyEmailResult = { verified: true; email: string } | { verified: false; reason: string };

/**
 * Marks the address verified when the token is live and the user still has the address it was
 * sent to (a link for an old address proves nothing about the new one).
 */
export async function verifyEmail(
  db: PrismaClient,
  token: string,
  now = new Date(),
): Promise<VerifyEmailResult> {
  return db.$transaction(async (tx) => {
    const row = await tx.emailVerification.findUnique({
      where: { tokenHash: sha256(token) },
      include: { user: true },
    });
    if (!row || row.usedAt) return { verified: false, reason: 'this link is not valid or was used already' };
    if (row.expiresAt <= now) return { verified: false, reason: 'this link has expired: ask for a new one' };
    if (row.user.email !== row.email) {
      return { verified: false, reason: 'this link was sent to an address the account no longer has' };
    }
    const used = await tx.emailVerification.updateMany({
      where: { tokenHash: row.tokenHash, usedAt: null },
      data: { usedAt: now },
    });
    if (used.count === 0) return { verified: false, reason: 'this link is not valid or was used already' };
    await tx.user.update({
      where: { id: row.userId },
      data: { emailVerifiedAt: row.user.emailVerifiedAt ?? now },
    });
    return { verified: true, email: row.email };
  });
}
