import { appRouter, createCallerFactory } from '@floe/api';
import type { PrismaClient, Role } from '@floe/db';
import type { Redis } from 'ioredis';

const createCaller = createCallerFactory(appRouter);

/**
 * The control plane's tRPC API as a member with this role of its test organization (`acme`, made by
 * startControlPlane), or of another one made here: what the web app calls for a signed-in user.
 */
export async function orgCaller(controlPlane: { db: PrismaClient; admin: Redis }, role: Role, slug = 'acme') {
  const { db, admin } = controlPlane;
  const org =
    (await db.organization.findUnique({ where: { slug } })) ??
    (await db.organization.create({ data: { slug, name: slug } }));
  const user = await db.user.create({ data: { email: `${role.toLowerCase()}-${Date.now()}@acme.test` } });
  await db.membership.create({ data: { organizationId: org.id, userId: user.id, role } });
  return createCaller({ db, session: { userId: user.id }, redis: () => admin });
}
