import type { PrismaClient } from '@floe/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchOrganization } from '../testing/scratch-organization';

describe('members and invitations on a real database', () => {
  let fixture: Awaited<ReturnType<typeof scratchOrganization>>;
  let db: PrismaClient;
  const as = (email: string) => fixture.as(email);

  beforeAll(async () => {
    fixture = await scratchOrganization({
      'owner@acme.test': 'OWNER',
      'admin@acme.test': 'ADMIN',
      'new@elsewhere.test': null,
      'other@elsewhere.test': null,
    });
    db = fixture.db;
  });

  afterAll(() => fixture?.close());

  it('invites by link; only the invited email can accept, once, as the invited role', async () => {
    const { token } = await as('admin@acme.test').member.invite({
      orgSlug: 'acme',
      email: ' New@Elsewhere.test ',
      role: 'VIEWER',
    });
    expect(token).toMatch(/^floe_inv_/);
    await expect(as('other@elsewhere.test').member.accept({ token })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await as('new@elsewhere.test').member.accept({ token })).toEqual({ orgSlug: 'acme' });
    expect((await as('new@elsewhere.test').org.get({ orgSlug: 'acme' })).role).toBe('VIEWER');
    await expect(as('new@elsewhere.test').member.accept({ token })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(JSON.stringify(await db.invitation.findMany())).not.toContain(token);
  });

  it('refuses an expired invitation and inviting a member twice', async () => {
    const { token } = await as('admin@acme.test').member.invite({
      orgSlug: 'acme',
      email: 'other@elsewhere.test',
      role: 'EDITOR',
    });
    await db.invitation.updateMany({
      where: { email: 'other@elsewhere.test' },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await expect(as('other@elsewhere.test').member.accept({ token })).rejects.toThrow(/expired/);
    await expect(
      as('admin@acme.test').member.invite({ orgSlug: 'acme', email: 'new@elsewhere.test', role: 'EDITOR' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('changes roles, keeps owners to owners, and keeps at least one owner', async () => {
    expect(
      await as('admin@acme.test').member.setRole({
        orgSlug: 'acme',
        email: 'new@elsewhere.test',
        role: 'EDITOR',
      }),
    ).toEqual({
      role: 'EDITOR',
    });
    await expect(
      as('admin@acme.test').member.setRole({ orgSlug: 'acme', email: 'owner@acme.test', role: 'VIEWER' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      as('owner@acme.test').member.setRole({ orgSlug: 'acme', email: 'owner@acme.test', role: 'ADMIN' }),
    ).rejects.toThrow(/at least one owner/);
    const log = await as('owner@acme.test').audit.list({ orgSlug: 'acme', action: 'member.' });
    expect(log.map((e) => e.action)).toEqual([
      'member.setRole',
      'member.invite',
      'member.accept',
      'member.invite',
    ]);
  });

  it('revokes an open invitation: its link no longer works; only admins of the organization can', async () => {
    const { token } = await as('admin@acme.test').member.invite({
      orgSlug: 'acme',
      email: 'late@elsewhere.test',
      role: 'EDITOR',
    });
    const open = await as('admin@acme.test').member.invitations({ orgSlug: 'acme' });
    const invitation = open.find((i) => i.email === 'late@elsewhere.test');
    expect(invitation).toMatchObject({ role: 'EDITOR' });
    const id = invitation?.id as string;
    await expect(
      as('new@elsewhere.test').member.revokeInvitation({ orgSlug: 'acme', id }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await as('admin@acme.test').member.revokeInvitation({ orgSlug: 'acme', id })).toEqual({
      revoked: true,
    });
    expect(
      (await as('admin@acme.test').member.invitations({ orgSlug: 'acme' })).map((i) => i.id),
    ).not.toContain(id);
    const late = await db.user.create({ data: { email: 'late@elsewhere.test' } });
    const asLate = fixture.callerFor(late.id);
    await expect(asLate.member.accept({ token })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      as('admin@acme.test').member.revokeInvitation({ orgSlug: 'acme', id }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('removes a member, whose next call to the organization is refused; admins cannot remove owners', async () => {
    expect((await as('new@elsewhere.test').org.get({ orgSlug: 'acme' })).role).toBe('EDITOR');
    expect(
      await as('admin@acme.test').member.remove({ orgSlug: 'acme', email: 'new@elsewhere.test' }),
    ).toEqual({
      removed: true,
    });
    await expect(as('new@elsewhere.test').org.get({ orgSlug: 'acme' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      as('new@elsewhere.test').member.invite({ orgSlug: 'acme', email: 'x@elsewhere.test', role: 'VIEWER' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      as('admin@acme.test').member.remove({ orgSlug: 'acme', email: 'owner@acme.test' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      as('owner@acme.test').member.remove({ orgSlug: 'acme', email: 'owner@acme.test' }),
    ).rejects.toThrow(/at least one owner/);
    const log = await as('owner@acme.test').audit.list({ orgSlug: 'acme', action: 'member.remove' });
    expect(log[0]).toMatchObject({ target: 'new@elsewhere.test', before: { role: 'EDITOR' } });
  });

  it('lets a member leave, but not the last owner', async () => {
    await expect(as('owner@acme.test').member.leave({ orgSlug: 'acme' })).rejects.toThrow(
      /at least one owner/,
    );
    expect(await as('admin@acme.test').member.leave({ orgSlug: 'acme' })).toEqual({ left: true });
    await expect(as('admin@acme.test').org.get({ orgSlug: 'acme' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await as('owner@acme.test').org.members({ orgSlug: 'acme' })).map((m) => m.email)).toEqual([
      'owner@acme.test',
    ]);
  });

  it('two owners demoting or removing each other at the same moment leave one owner, never none', async () => {
    const second = await db.user.create({ data: { email: 'second@acme.test' } });
    const asSecond = fixture.callerFor(second.id);
    const asFirst = as('owner@acme.test');
    const bothOwners = () =>
      Promise.all(
        [fixture.ids['owner@acme.test'] as string, second.id].map((userId) =>
          db.membership.upsert({
            where: { organizationId_userId: { organizationId: fixture.org.id, userId } },
            create: { organizationId: fixture.org.id, userId, role: 'OWNER' },
            update: { role: 'OWNER' },
          }),
        ),
      );
    for (let round = 0; round < 6; round++) {
      await bothOwners();
      const outcomes = await Promise.allSettled(
        round % 2 === 0
          ? [
              asFirst.member.setRole({ orgSlug: 'acme', email: 'second@acme.test', role: 'ADMIN' }),
              asSecond.member.setRole({ orgSlug: 'acme', email: 'owner@acme.test', role: 'ADMIN' }),
            ]
          : [
              asFirst.member.remove({ orgSlug: 'acme', email: 'second@acme.test' }),
              asSecond.member.remove({ orgSlug: 'acme', email: 'owner@acme.test' }),
            ],
      );
      expect(await db.membership.count({ where: { organizationId: fixture.org.id, role: 'OWNER' } })).toBe(1);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    }
  });
});
