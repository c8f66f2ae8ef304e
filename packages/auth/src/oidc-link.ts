import type { PrismaClient } from '@floe/db';

export interface OidcLogin {
  issuer: string;
  subject: string;
  email: string;
  /** The provider's `email_verified` claim: only `true` counts. */
  emailVerified: unknown;
  name: string | null;
}

export type OidcLinkResult = { userId: string } | { refused: 'not-linked' };

/**
 * The Floe user a single sign-on login belongs to. An identity is known by issuer and subject; a
 * first login makes a new user, or joins the existing user of the same address only when both the
 * provider and that user have verified it. Otherwise anyone who registered someone else's address
 * (with a password, or at a provider that does not check addresses) would share their account.
 */
export async function resolveOidcUser(
  db: PrismaClient,
  login: OidcLogin,
  now = new Date(),
): Promise<OidcLinkResult> {
  const key = { issuer: login.issuer, subject: login.subject };
  const known = await db.oidcIdentity.findUnique({ where: { issuer_subject: key } });
  if (known) return { userId: known.userId };

  const email = login.email.trim().toLowerCase();
  const providerVerified = login.emailVerified === true;
  const existing = await db.user.findUnique({ where: { email } });
  if (existing) {
    if (!providerVerified || !existing.emailVerifiedAt) return { refused: 'not-linked' };
    await db.oidcIdentity.create({ data: { ...key, userId: existing.id } });
    return { userId: existing.id };
  }
  const user = await db.user.create({
    data: {
      email,
      name: login.name,
      emailVerifiedAt: providerVerified ? now : null,
      oidcIdentities: { create: key },
    },
  });
  return { userId: user.id };
}
