import type { PrismaClient } from '@floe/db';
import { sendAccountMail } from './mail';
import { newToken, tokenHash, tokenLink } from './one-time-token';
import { hashPassword } from './password';
import { revokeAllSessions } from './sessions';

const RESET_MINUTES = 60;
/** Reset mails per account per hour: enough for a lost mail, too few to flood someone's inbox. */
const RESETS_PER_HOUR = 3;

/**
 * Mails a reset link to the account with this address, if there is one. The caller answers the
 * same either way, so the form does not tell who has an account.
 */
export async function requestPasswordReset(db: PrismaClient, email: string, now = new Date()) {
  const user = await db.user.findUnique({ where: { email }, select: { id: true } });
  if (!user) return { mailed: false };
  const recent = await db.passwordReset.count({
    where: { userId: user.id, createdAt: { gt: new Date(now.getTime() - 3_600_000) } },
  });
  if (recent >= RESETS_PER_HOUR) return { mailed: false };
  const token = newToken('floe_pwr_');
  await db.passwordReset.create({
    data: {
      tokenHash: tokenHash(token),
      userId: user.id,
      expiresAt: new Date(now.getTime() + RESET_MINUTES * 60_000),
      createdAt: now,
    },
  });
  await sendAccountMail({
    to: email,
    subject: 'Reset your Floe password',
    text: `Open this link to choose a new password (it works once, within ${RESET_MINUTES} minutes):\n${tokenLink('reset-password', token)}\n\nIf you did not ask for this, ignore this mail: your password stays as it is.\n`,
  });
  return { mailed: true };
}

export type PasswordResetResult = { reset: true; email: string } | { reset: false; reason: string };

/**
 * Sets the password of the link's account and signs it out everywhere. The token is checked
 * before hashing (a wrong token costs no bcrypt), then claimed in the transaction that writes the
 * password, so two uses of one link cannot both win.
 */
export async function resetPassword(
  db: PrismaClient,
  token: string,
  password: string,
  now = new Date(),
): Promise<PasswordResetResult> {
  const hash = tokenHash(token);
  const invalid = { reset: false, reason: 'this link is not valid or was used already' } as const;
  const row = await db.passwordReset.findUnique({ where: { tokenHash: hash }, include: { user: true } });
  if (!row || row.usedAt) return invalid;
  if (row.expiresAt <= now) return { reset: false, reason: 'this link has expired: ask for a new one' };
  const passwordHash = await hashPassword(password);
  return db.$transaction(async (tx) => {
    const claimed = await tx.passwordReset.updateMany({
      where: { tokenHash: hash, usedAt: null },
      data: { usedAt: now },
    });
    if (claimed.count === 0) return invalid;
    // The other links mailed before this one are of no more use.
    await tx.passwordReset.updateMany({ where: { userId: row.userId, usedAt: null }, data: { usedAt: now } });
    await tx.user.update({ where: { id: row.userId }, data: { passwordHash } });
    await revokeAllSessions(tx, row.userId);
    return { reset: true, email: row.user.email };
  });
}
