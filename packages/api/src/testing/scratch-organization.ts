import { createPrismaClient, type Role } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import type { Redis } from 'ioredis';
import { appRouter } from '../root';
import { createCallerFactory } from '../trpc';

const createCaller = createCallerFactory(appRouter);

/**
 * A migrated database of its own with one organization and the given users (role null: a user
 * who is not a member), and tRPC callers acting as each of them. For integration tests.
 */
export async function scratchOrganization(
  members: Record<string, Role | null>,
  { slug = 'acme', redis }: { slug?: string; redis?: Redis } = {},
) {
  const scratch = await createScratchDatabase();
  scratch.migrate();
  const db = createPrismaClient(scratch.url);
  const org = await db.organization.create({ data: { slug, name: slug } });
  const ids: Record<string, string> = {};
  for (const [email, role] of Object.entries(members)) {
    ids[email] = (await db.user.create({ data: { email } })).id;
    if (role)
      await db.membership.create({ data: { organizationId: org.id, userId: ids[email] as string, role } });
  }
  const callerFor = (userId: string) =>
    createCaller({ db, session: { userId }, ...(redis ? { redis: () => redis } : {}) });
  return {
    db,
    url: scratch.url,
    org,
    ids,
    as: (email: string) => callerFor(ids[email] as string),
    callerFor,
    close: async () => {
      await db.$disconnect();
      await scratch.drop();
    },
  };
}
