import { createPrismaClient, type PrismaClient, type Role } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { Redis } from 'ioredis';
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
    expect(await as('owner@b.test').org.mine()).toEqual([{ slug: 'org-b', name: 'org-b', role: 'OWNER' }]);
  });

  it('creates an organization with the caller as owner', async () => {
    const { slug } = await as('viewer@a.test').org.create({ name: 'Side Project' });
    expect(slug).toBe('side-project');
    expect((await as('viewer@a.test').org.get({ orgSlug: slug })).role).toBe('OWNER');
    await expect(createCaller({ db, session: null }).org.create({ name: 'Nope' })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
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

  it('lets an owner rename, records it in the audit log, and validates the name on its field', async () => {
    expect(await as('owner@a.test').org.rename({ orgSlug: 'org-a', name: ' Acme Analytics ' })).toEqual({
      name: 'Acme Analytics',
    });
    const [entry] = await as('owner@a.test').audit.list({ orgSlug: 'org-a' });
    expect(entry).toMatchObject({
      actor: 'owner@a.test',
      action: 'org.rename',
      target: 'org-a',
      before: { name: 'org-a' },
      after: { name: 'Acme Analytics' },
    });
    expect(await as('owner@a.test').audit.list({ orgSlug: 'org-a', action: 'agent.' })).toEqual([]);
    expect(await as('owner@a.test').audit.list({ orgSlug: 'org-a', actorEmail: 'viewer@a.test' })).toEqual(
      [],
    );
    expect(await as('owner@b.test').audit.list({ orgSlug: 'org-b' })).toEqual([]);
    await expect(as('owner@a.test').org.rename({ orgSlug: 'org-a', name: 'x' })).rejects.toThrow(
      /at least 2 characters/,
    );
  });
});

describe('account router on a real database', () => {
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

  const signUp = (email: string, organization = 'Data Platform') =>
    createCaller({ db, session: null }).account.signUp({
      name: 'Ada',
      email,
      password: 'a long enough password',
      organization,
    });

  it('signs up a user as owner of a new organization, and makes slugs unique', async () => {
    expect(await signUp('ada@example.com')).toEqual({ orgSlug: 'data-platform' });
    const second = await signUp('grace@example.com');
    expect(second.orgSlug).toMatch(/^data-platform-[0-9a-f]{6}$/);
    const user = await db.user.findUniqueOrThrow({
      where: { email: 'ada@example.com' },
      include: { memberships: true },
    });
    expect(user.memberships.map((m) => m.role)).toEqual(['OWNER']);
    expect(user.passwordHash).toMatch(/^\$2[aby]\$/);
    // The address is unverified until its owner opens the link (printed to the server log).
    expect(user.emailVerifiedAt).toBeNull();
    expect(await db.emailVerification.count({ where: { userId: user.id, email: user.email } })).toBe(1);
  });

  it('refuses a second account for the same email, whatever its case', async () => {
    await expect(signUp('ADA@example.com')).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('puts each invalid field’s message on that field', async () => {
    const attempt = createCaller({ db, session: null }).account.signUp({
      name: '',
      email: 'not-an-email',
      password: 'short',
      organization: 'x',
    });
    await expect(attempt).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const error = await attempt.catch((e) => e);
    const fields = JSON.parse(error.message).map((issue: { path: string[] }) => issue.path[0]);
    expect(fields.sort()).toEqual(['email', 'name', 'organization', 'password']);
  });
});

describe('agent router on a real database and Redis', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;
  let redis: Redis;
  let userId: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    redis = new Redis(process.env.REDIS_URL as string);
    const org = await db.organization.create({ data: { slug: 'ops', name: 'Ops' } });
    userId = (await db.user.create({ data: { email: 'admin@ops.test' } })).id;
    await db.membership.create({ data: { organizationId: org.id, userId, role: 'ADMIN' } });
  });

  afterAll(async () => {
    redis?.disconnect();
    await db?.$disconnect();
    await scratch?.drop();
  });

  it('registers an agent, shows its install token once, lists it, and revokes it', async () => {
    const admin = createCaller({ db, session: { userId }, redis: () => redis });
    const created = await admin.agent.create({ orgSlug: 'ops', name: 'eu-prod-1' });
    expect(created.installToken).toMatch(/^floe_it_/);
    await expect(admin.agent.create({ orgSlug: 'ops', name: 'eu-prod-1' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    const [listed] = await admin.agent.list({ orgSlug: 'ops' });
    expect(listed).toMatchObject({ id: created.id, name: 'eu-prod-1', status: 'awaiting-install' });
    expect(JSON.stringify(await admin.agent.list({ orgSlug: 'ops' }))).not.toContain(created.installToken);
    await admin.agent.revoke({ orgSlug: 'ops', agentId: created.id });
    expect((await admin.agent.list({ orgSlug: 'ops' }))[0]?.status).toBe('revoked');

    // Audited, without the token; the refused duplicate left no entry.
    const log = await admin.audit.list({ orgSlug: 'ops' });
    expect(log.map((e) => e.action)).toEqual(['agent.revoke', 'agent.create']);
    expect(log[1]).toMatchObject({ target: created.id, input: { name: 'eu-prod-1' } });
    expect(JSON.stringify(log)).not.toContain(created.installToken);
  });
});
