import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueEmailVerification, verifyEmail } from './email-verification';
import { createAuthOptions, OIDC_NOT_LINKED } from './next-auth';
import { resolveOidcUser } from './oidc-link';
import { hashPassword } from './password';

const issuer = 'https://idp.example.com';

describe('single sign-on identities and verified addresses', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
  });

  afterAll(async () => {
    await db?.$disconnect();
    await scratch?.drop();
  });

  const passwordUser = async (email: string, verified: boolean) =>
    db.user.create({
      data: {
        email,
        passwordHash: await hashPassword('a long enough password'),
        emailVerifiedAt: verified ? new Date() : null,
      },
    });

  it('does not let a login whose provider has not verified the address reach the existing account', async () => {
    const victim = await passwordUser('victim@example.com', true);
    for (const emailVerified of [false, undefined, 'true']) {
      const result = await resolveOidcUser(db, {
        issuer,
        subject: `attacker-${String(emailVerified)}`,
        email: 'Victim@Example.com',
        emailVerified,
        name: 'Mallory',
      });
      expect(result).toEqual({ refused: 'not-linked' });
    }
    expect(await db.oidcIdentity.count({ where: { userId: victim.id } })).toBe(0);
  });

  it('does not let a verified login join an account whose address was never verified (a pre-registered one)', async () => {
    const squatter = await passwordUser('ceo@example.com', false);
    const result = await resolveOidcUser(db, {
      issuer,
      subject: 'ceo',
      email: 'ceo@example.com',
      emailVerified: true,
      name: 'The CEO',
    });
    expect(result).toEqual({ refused: 'not-linked' });
    expect(await db.oidcIdentity.count({ where: { userId: squatter.id } })).toBe(0);
  });

  it('links a verified login to the verified account, then knows it by issuer and subject, not by email', async () => {
    const ada = await passwordUser('ada@example.com', true);
    const login = { issuer, subject: 'ada-sub', email: 'ada@example.com', emailVerified: true, name: 'Ada' };
    expect(await resolveOidcUser(db, login)).toEqual({ userId: ada.id });
    // The provider later reports another address, unverified: the identity still names Ada.
    expect(
      await resolveOidcUser(db, { ...login, email: 'ada@elsewhere.example', emailVerified: false }),
    ).toEqual({ userId: ada.id });
    // The same subject at another issuer is another identity, with a row of its own.
    await resolveOidcUser(db, { ...login, issuer: 'https://other.example.com' });
    expect(await db.oidcIdentity.count({ where: { userId: ada.id } })).toBe(2);
  });

  it('makes a new user for a first login, verified only when the provider says so', async () => {
    const verified = await resolveOidcUser(db, {
      issuer,
      subject: 'new-1',
      email: 'New1@Example.com',
      emailVerified: true,
      name: null,
    });
    const unverified = await resolveOidcUser(db, {
      issuer,
      subject: 'new-2',
      email: 'new2@example.com',
      emailVerified: false,
      name: null,
    });
    if (!('userId' in verified) || !('userId' in unverified)) throw new Error('expected new users');
    const rows = await db.user.findMany({ where: { id: { in: [verified.userId, unverified.userId] } } });
    const byEmail = Object.fromEntries(rows.map((u) => [u.email, u.emailVerifiedAt]));
    expect(byEmail['new1@example.com']).toBeInstanceOf(Date);
    expect(byEmail['new2@example.com']).toBeNull();
  });

  it('next-auth refuses the unlinked login with the sign-in page’s message and signs a linked one in as its user', async () => {
    const options = createAuthOptions(db, {
      NEXTAUTH_SECRET: 'a test secret of some length',
      FLOE_OIDC_ISSUER: `${issuer}/`,
      FLOE_OIDC_CLIENT_ID: 'floe',
      FLOE_OIDC_CLIENT_SECRET: 'secret',
    });
    const grace = await passwordUser('grace@example.com', true);
    const signIn = options.callbacks?.signIn;
    const jwt = options.callbacks?.jwt;
    if (!signIn || !jwt) throw new Error('callbacks missing');
    const account = (sub: string) => ({ provider: 'oidc', providerAccountId: sub, type: 'oauth' as const });
    const user = { id: 'ignored', email: 'grace@example.com', name: 'Grace' };
    expect(
      await signIn({ user, account: account('intruder'), profile: { email_verified: false } as never }),
    ).toBe(`/sign-in?error=${OIDC_NOT_LINKED}`);
    expect(
      await signIn({ user, account: account('grace'), profile: { email_verified: true } as never }),
    ).toBe(true);
    const token = await jwt({ token: {}, user, account: account('grace') } as never);
    expect(token.sub).toBe(grace.id);
  });
});

describe('email verification links', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
  });

  afterAll(async () => {
    await db?.$disconnect();
    await scratch?.drop();
  });

  it('verifies the address once, and stores only a hash of the token', async () => {
    const user = await db.user.create({ data: { email: 'lin@example.com' } });
    const token = await issueEmailVerification(db, { userId: user.id, email: user.email });
    expect(await db.emailVerification.count({ where: { tokenHash: token } })).toBe(0);
    expect(await verifyEmail(db, token)).toEqual({ verified: true, email: 'lin@example.com' });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).emailVerifiedAt).toBeInstanceOf(
      Date,
    );
    expect(await verifyEmail(db, token)).toMatchObject({ verified: false, reason: /used already/ });
    expect(await verifyEmail(db, 'floe_ver_made-up')).toMatchObject({ verified: false });
  });

  it('refuses an expired link and a link sent to an address the account no longer has', async () => {
    const user = await db.user.create({ data: { email: 'old@example.com' } });
    const longAgo = new Date(Date.now() - 3 * 86_400_000);
    const expired = await issueEmailVerification(db, { userId: user.id, email: user.email }, longAgo);
    expect(await verifyEmail(db, expired)).toMatchObject({ verified: false, reason: /expired/ });
    const stale = await issueEmailVerification(db, { userId: user.id, email: user.email });
    await db.user.update({ where: { id: user.id }, data: { email: 'new@example.com' } });
    expect(await verifyEmail(db, stale)).toMatchObject({ verified: false, reason: /no longer has/ });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).emailVerifiedAt).toBeNull();
  });
});
