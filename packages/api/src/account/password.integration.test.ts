import { createSession, hashPassword, verifyCredentials } from '@floe/auth';
import { startSmtpInbox } from '@floe/auth/testing';
import type { PrismaClient } from '@floe/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../root';
import { scratchOrganization } from '../testing/scratch-organization';
import { createCallerFactory } from '../trpc';

const createCaller = createCallerFactory(appRouter);
const OLD = 'old password 123';
const NEW = 'new password 456';

describe('changing and resetting a password, with mail through a real SMTP server', () => {
  let fixture: Awaited<ReturnType<typeof scratchOrganization>>;
  let inbox: Awaited<ReturnType<typeof startSmtpInbox>>;
  let db: PrismaClient;
  const anonymous = () => createCaller({ db, session: null });
  const liveSessions = (userId: string) => db.session.findMany({ where: { userId, revokedAt: null } });
  const signsInWith = (email: string, password: string) =>
    verifyCredentials(db, { email, password, ip: '192.0.2.1' }).then(
      () => true,
      () => false,
    );

  beforeAll(async () => {
    [fixture, inbox] = await Promise.all([
      scratchOrganization({ 'ann@acme.test': 'OWNER', 'bob@acme.test': 'VIEWER', 'sso@acme.test': 'VIEWER' }),
      startSmtpInbox(),
    ]);
    db = fixture.db;
    process.env.FLOE_SMTP_URL = inbox.url;
    const passwordHash = await hashPassword(OLD);
    await db.user.updateMany({
      where: { email: { in: ['ann@acme.test', 'bob@acme.test'] } },
      data: { passwordHash },
    });
  });

  afterAll(async () => {
    delete process.env.FLOE_SMTP_URL;
    await inbox?.close();
    await fixture?.close();
  });

  it('changes the password only given the current one, and signs out every other session', async () => {
    const userId = fixture.ids['ann@acme.test'] as string;
    const here = await createSession(db, userId);
    const elsewhere = await createSession(db, userId);
    const ann = createCaller({ db, session: { userId, sessionId: here.id } });
    await expect(
      ann.account.changePassword({ currentPassword: 'not my password', newPassword: NEW }),
    ).rejects.toThrow(/current password is not right/);
    expect((await liveSessions(userId)).map((s) => s.id).sort()).toEqual([here.id, elsewhere.id].sort());

    expect(await ann.account.changePassword({ currentPassword: OLD, newPassword: NEW })).toEqual({
      signedOut: 1,
    });
    expect((await liveSessions(userId)).map((s) => s.id)).toEqual([here.id]);
    expect(await signsInWith('ann@acme.test', NEW)).toBe(true);
    expect(await signsInWith('ann@acme.test', OLD)).toBe(false);
    await expect(
      createCaller({
        db,
        session: { userId: fixture.ids['sso@acme.test'] as string },
      }).account.changePassword({
        currentPassword: 'anything',
        newPassword: NEW,
      }),
    ).rejects.toThrow(/single sign-on/);

    // Guessing the current password from a session meets the sign-in limits: 5 wrong ones (one above).
    for (let i = 0; i < 4; i++)
      await expect(
        ann.account.changePassword({ currentPassword: `guess ${i}`, newPassword: OLD }),
      ).rejects.toThrow(/current password is not right/);
    await expect(ann.account.changePassword({ currentPassword: NEW, newPassword: OLD })).rejects.toThrow(
      /too many failed sign-ins/,
    );
    expect(await signsInWith('ann@acme.test', NEW)).toBe(true);
  });

  it('mails a one-time reset link (stored hashed) that sets the password and signs out everywhere', async () => {
    const userId = fixture.ids['bob@acme.test'] as string;
    await createSession(db, userId);
    expect(await anonymous().account.requestPasswordReset({ email: 'nobody@acme.test' })).toEqual({
      requested: true,
    });
    expect(await anonymous().account.requestPasswordReset({ email: ' Bob@Acme.test ' })).toEqual({
      requested: true,
    });
    const mail = inbox.received.find((m) => m.to.includes('bob@acme.test'));
    expect(inbox.received.filter((m) => m.to.includes('nobody@acme.test'))).toHaveLength(0);
    const link = inbox.linkIn(mail as never, 'http\\S+/reset-password/');
    expect(link).toMatch(/\/reset-password\/floe_pwr_/);
    const token = decodeURIComponent((link as string).split('/').pop() as string);
    expect(JSON.stringify(await db.passwordReset.findMany())).not.toContain(token);

    await expect(anonymous().account.resetPassword({ token: `${token}x`, password: NEW })).rejects.toThrow(
      /not valid/,
    );
    expect(await anonymous().account.resetPassword({ token, password: NEW })).toEqual({
      email: 'bob@acme.test',
    });
    expect(await liveSessions(userId)).toEqual([]);
    expect(await signsInWith('bob@acme.test', NEW)).toBe(true);
    await expect(anonymous().account.resetPassword({ token, password: OLD })).rejects.toThrow(/was used/);
    expect(await signsInWith('bob@acme.test', NEW)).toBe(true);
  });

  it('refuses an expired link, and mails at most 3 links an hour to one account', async () => {
    const userId = fixture.ids['bob@acme.test'] as string;
    await db.passwordReset.deleteMany({ where: { userId } });
    const mailsToBob = () => inbox.received.filter((m) => m.to.includes('bob@acme.test')).length;
    const before = mailsToBob();
    for (let i = 0; i < 5; i++) await anonymous().account.requestPasswordReset({ email: 'bob@acme.test' });
    expect(mailsToBob() - before).toBe(3);
    const last = inbox.received.filter((m) => m.to.includes('bob@acme.test')).at(-1);
    const token = decodeURIComponent(
      (inbox.linkIn(last as never, 'http\\S+/reset-password/') as string).split('/').pop() as string,
    );
    await db.passwordReset.updateMany({
      where: { userId },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await expect(anonymous().account.resetPassword({ token, password: OLD })).rejects.toThrow(/expired/);
  });

  it('sends the sign-up verification link by the same mail path', async () => {
    await anonymous().account.signUp({
      name: 'Cleo',
      email: 'cleo@elsewhere.test',
      password: OLD,
      organization: 'Cleo team',
    });
    const mail = inbox.received.find((m) => m.to.includes('cleo@elsewhere.test'));
    expect(inbox.linkIn(mail as never, 'http\\S+/verify-email/')).toMatch(/\/verify-email\/floe_ver_/);
  });
});
