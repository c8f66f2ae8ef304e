import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthOptions } from './next-auth';
import { hashPassword } from './password';
import { createSession, revokeAllSessions, sessionUser } from './sessions';
import { SIGN_IN_POLICY, verifyCredentials } from './sign-in';

describe('password sign-in and database sessions', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;
  const password = 'a long enough password';

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    const passwordHash = await hashPassword(password);
    await db.user.createMany({
      data: [
        { email: 'ada@example.com', passwordHash },
        { email: 'grace@example.com', passwordHash },
      ],
    });
  });

  afterAll(async () => {
    await db?.$disconnect();
    await scratch?.drop();
  });

  it('signs in with the right password, whatever the email’s case', async () => {
    const user = await verifyCredentials(db, { email: ' Ada@Example.com ', password });
    expect(user.email).toBe('ada@example.com');
  });

  it('gives the same answer for a wrong password and an unknown email', async () => {
    await expect(
      verifyCredentials(db, { email: 'ada@example.com', password: 'wrong' }),
    ).rejects.toMatchObject({
      reason: 'invalid',
      message: 'email or password is wrong',
    });
    await expect(verifyCredentials(db, { email: 'nobody@example.com', password })).rejects.toMatchObject({
      reason: 'invalid',
      message: 'email or password is wrong',
    });
  });

  it('locks the address that keeps failing out of the account, not the owner at another address', async () => {
    const now = new Date();
    const attacker = '198.51.100.66';
    for (let i = 0; i < SIGN_IN_POLICY.maxFailures; i++) {
      await expect(
        verifyCredentials(db, { email: 'grace@example.com', password: 'nope', ip: attacker }, now),
      ).rejects.toMatchObject({ reason: 'invalid' });
    }
    await expect(
      verifyCredentials(db, { email: 'grace@example.com', password, ip: attacker }, now),
    ).rejects.toMatchObject({ reason: 'locked' });
    // The owner, from where they are, signs in as usual.
    const owner = await verifyCredentials(
      db,
      { email: 'grace@example.com', password, ip: '192.0.2.10' },
      now,
    );
    expect(owner.email).toBe('grace@example.com');
    const later = new Date(now.getTime() + (SIGN_IN_POLICY.windowMinutes + 1) * 60_000);
    expect(
      (await verifyCredentials(db, { email: 'grace@example.com', password, ip: attacker }, later)).email,
    ).toBe('grace@example.com');
  });

  it('stops guessing spread over many addresses, except from addresses the owner used before', async () => {
    const now = new Date();
    const user = await db.user.create({
      data: { email: 'linus@example.com', passwordHash: await hashPassword(password) },
    });
    await verifyCredentials(db, { email: user.email, password, ip: '192.0.2.20' }, now);
    await db.signInAttempt.createMany({
      data: Array.from({ length: SIGN_IN_POLICY.maxFailuresPerAccount }, (_, i) => ({
        email: user.email,
        ip: `10.9.${Math.floor(i / 250)}.${i % 250}`,
        succeeded: false,
        createdAt: now,
      })),
    });
    await expect(
      verifyCredentials(db, { email: user.email, password, ip: '198.51.100.200' }, now),
    ).rejects.toMatchObject({ reason: 'locked' });
    expect((await verifyCredentials(db, { email: user.email, password, ip: '192.0.2.20' }, now)).email).toBe(
      user.email,
    );
  });

  it('counts a spoofed X-Forwarded-For entry as the address the proxy saw (the limit is not reset)', async () => {
    const user = await db.user.create({
      data: { email: 'barbara@example.com', passwordHash: await hashPassword(password) },
    });
    const options = createAuthOptions(db, {
      NEXTAUTH_SECRET: 'a test secret of some length',
    });
    const provider = options.providers[0] as unknown as {
      options: { authorize: (raw: unknown, req: unknown) => Promise<unknown> };
    };
    const attempt = (pass: string, i: number) =>
      provider.options.authorize(
        { email: user.email, password: pass },
        { headers: { 'x-forwarded-for': `10.0.0.${i}, 198.51.100.77` } },
      );
    for (let i = 0; i < SIGN_IN_POLICY.maxFailures; i++) {
      await expect(attempt('wrong', i)).rejects.toThrow('email or password is wrong');
    }
    await expect(attempt(password, 99)).rejects.toThrow(/too many failed sign-ins/);
    const recorded = await db.signInAttempt.findMany({ where: { email: user.email }, select: { ip: true } });
    expect(new Set(recorded.map((r) => r.ip))).toEqual(new Set(['198.51.100.77']));
  });

  it('rate-limits failures from one address across accounts, not successes', async () => {
    const ip = '203.0.113.7';
    await db.signInAttempt.createMany({
      data: Array.from({ length: SIGN_IN_POLICY.maxFailuresPerAddress * 2 }, (_, i) => ({
        email: `ok${i}@example.com`,
        ip,
        succeeded: true,
      })),
    });
    expect((await verifyCredentials(db, { email: 'ada@example.com', password, ip })).email).toBe(
      'ada@example.com',
    );
    await db.signInAttempt.createMany({
      data: Array.from({ length: SIGN_IN_POLICY.maxFailuresPerAddress }, (_, i) => ({
        email: `x${i}@example.com`,
        ip,
        succeeded: false,
      })),
    });
    await expect(verifyCredentials(db, { email: 'ada@example.com', password, ip })).rejects.toMatchObject({
      reason: 'rate-limited',
    });
    expect(
      (await verifyCredentials(db, { email: 'ada@example.com', password, ip: '203.0.113.8' })).email,
    ).toBe('ada@example.com');
  });

  it('revokes every session of a user at once ("sign out everywhere"), and expires them', async () => {
    const ada = await db.user.findUniqueOrThrow({ where: { email: 'ada@example.com' } });
    const grace = await db.user.findUniqueOrThrow({ where: { email: 'grace@example.com' } });
    const laptop = await createSession(db, ada.id);
    const phone = await createSession(db, ada.id);
    const other = await createSession(db, grace.id);
    expect((await sessionUser(db, laptop.id))?.id).toBe(ada.id);
    expect(await revokeAllSessions(db, ada.id)).toBe(2);
    expect(await sessionUser(db, laptop.id)).toBeNull();
    expect(await sessionUser(db, phone.id)).toBeNull();
    expect((await sessionUser(db, other.id))?.id).toBe(grace.id);
    expect(await sessionUser(db, other.id, new Date(Date.now() + 31 * 86_400_000))).toBeNull();
  });
});
