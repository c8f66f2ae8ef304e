import { createPrismaClient, type PrismaClient, type Role } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../root';
import { createCallerFactory } from '../trpc';

const createCaller = createCallerFactory(appRouter);

describe('org router on a real database', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;
  const users: Record<string, string> = {};

  const member = async (email: string, orgSlug: string, role: Role) => {
    const org = await db.organization.upsert({
      where: { slug: orgSlug },
      update: {},
      create: { slug: orgSlug, name: orgSlug },
    });
    const user = await db.user.upsert({ where: { email }, update: {}, create: { email } });
    await db.membership.create({ data: { organizationId: org.id, userId: user.id, role } });
    users[email] = user.id;
  };
  const as = (email: string) => createCaller({ db, session: { userId: users[email] as string } });

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    await member('owner@a.test', 'org-a', 'OWNER');
    await member('viewer@a.test', 'org-a', 'VIEWER');
    await member('owner@b.test', 'org-b', 'OWNER');
  });

  afterAll(async () => {
    await db?.$disconnect();
    await scratch?.drop();
  });

  it('reports the database as up', async () => {
    expect(await createCaller({ db, session: null }).health()).toEqual({ database: 'up' });
  });

  it('lists only the caller’s organizations', async () => {
    expect(await as('owner@a.test').org.mine()).toEqual([{ slug: 'org-a', name: 'org-a', role: 'OWNER' }]);
  });

  it('refuses a signed-out caller', async () => {
    await expect(createCaller({ db, session: null }).org.mine()).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('hides another organization from a non-member (NOT_FOUND), for reads and writes', async () => {
    await expect(as('owner@b.test').org.get({ orgSlug: 'org-a' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(as('owner@b.test').org.rename({ orgSlug: 'org-a', name: 'taken' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('lets a viewer read but not change the organization', async () => {
    expect((await as('viewer@a.test').org.get({ orgSlug: 'org-a' })).role).toBe('VIEWER');
    await expect(as('viewer@a.test').org.rename({ orgSlug: 'org-a', name: 'Nope' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('lets an owner rename, and validates the name on its field', async () => {
    expect(await as('owner@a.test').org.rename({ orgSlug: 'org-a', name: ' Acme Analytics ' })).toEqual({
      name: 'Acme Analytics',
    });
    await expect(as('owner@a.test').org.rename({ orgSlug: 'org-a', name: 'x' })).rejects.toThrow(
      /at least 2 characters/,
    );
  });
});
