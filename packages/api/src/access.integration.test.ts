import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from './root';
import { createCallerFactory } from './trpc';

// Every procedure in the router is listed here by how it is reached, generated from the router
// itself: a procedure added without an entry fails this test until someone decides its access.
const PUBLIC = new Set(['health', 'account.signUp', 'account.requestPasswordReset', 'account.resetPassword']);
const SIGNED_IN_NOT_ORG_SCOPED = new Set([
  'org.mine',
  'org.create',
  'account.signOutEverywhere',
  'account.changePassword',
  'member.accept',
]);
// Mutations a viewer may call: leaving (their own membership) and asking the agent to describe a
// pipeline's table (it reads the table's metadata and changes nothing).
const VIEWERS_MAY = new Set(['member.leave', 'discovery.describeTable']);

type Procedure = { _def: { type: 'query' | 'mutation' | 'subscription' } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Procedure>).map(
  ([path, p]) => ({
    path,
    type: p._def.type,
  }),
);
const orgScoped = procedures.filter((p) => !PUBLIC.has(p.path) && !SIGNED_IN_NOT_ORG_SCOPED.has(p.path));

const createCaller = createCallerFactory(appRouter);

function call(caller: ReturnType<typeof createCaller>, path: string, input: unknown) {
  // biome-ignore lint/suspicious/noExplicitAny: walking the caller by a path read from the router
  const fn = path.split('.').reduce<any>((node, key) => node[key], caller);
  return fn(input);
}

describe('access to every tRPC procedure', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    const org = await db.organization.create({ data: { slug: 'org-a', name: 'A' } });
    await db.organization.create({ data: { slug: 'org-b', name: 'B' } });
    for (const [email, role] of [
      ['viewer@a.test', 'VIEWER'],
      ['outsider@b.test', null],
    ] as const) {
      const user = await db.user.create({ data: { email } });
      ids[email] = user.id;
      if (role) await db.membership.create({ data: { organizationId: org.id, userId: user.id, role } });
    }
  });

  afterAll(async () => {
    await db?.$disconnect();
    await scratch?.drop();
  });

  it('knows every procedure (a new one must be classified here or be organization-scoped)', () => {
    expect(procedures.length).toBeGreaterThan(PUBLIC.size + SIGNED_IN_NOT_ORG_SCOPED.size);
    for (const path of [...PUBLIC, ...SIGNED_IN_NOT_ORG_SCOPED])
      expect(procedures.map((p) => p.path)).toContain(path);
  });

  it.each(orgScoped.map((p) => [p.path, p.type] as const))(
    '%s (%s) hides organization A from a non-member',
    async (path) => {
      const outsider = createCaller({ db, session: { userId: ids['outsider@b.test'] as string } });
      await expect(call(outsider, path, { orgSlug: 'org-a' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    },
  );

  it.each(orgScoped.map((p) => [p.path, p.type] as const))(
    '%s (%s) refuses a signed-out caller',
    async (path) => {
      await expect(
        call(createCaller({ db, session: null }), path, { orgSlug: 'org-a' }),
      ).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    },
  );

  it.each(
    orgScoped.filter((p) => p.type === 'mutation' && !VIEWERS_MAY.has(p.path)).map((p) => [p.path] as const),
  )('%s refuses a viewer (viewers never change anything)', async (path) => {
    const viewer = createCaller({ db, session: { userId: ids['viewer@a.test'] as string } });
    await expect(call(viewer, path, { orgSlug: 'org-a' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it.each([...SIGNED_IN_NOT_ORG_SCOPED].map((p) => [p] as const))(
    '%s refuses a signed-out caller',
    async (path) => {
      await expect(call(createCaller({ db, session: null }), path, undefined)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    },
  );
});
