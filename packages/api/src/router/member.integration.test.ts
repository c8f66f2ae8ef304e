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
});
