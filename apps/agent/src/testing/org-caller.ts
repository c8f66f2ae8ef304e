import { appRouter, createCallerFactory } from '@floe/api';
import type { PrismaClient, Role } from '@floe/db';
import type { Redis } from 'ioredis';

const createCaller = createCallerFactory(appRouter);

/**
 * The control plane's tRPC API as a member of its test organization (`acme`, made by
 * startControlPlane) with this role: what the web app calls for a signed-in user.
 */
export async function orgCaller(controlPlane: { db: PrismaClient; admin: Redis }, role: Role) {
  const { db, admin } = controlPlane;
  const org = await db.organization.findUniqueOrThrow({ where: { slug: 'acme' } });
  const user = await db.user.create({ data: { email: `${role.toLowerCase()}-${Date.now()}@acme.test` } });
  await db.membership.create({ data: { organizationId: org.id, userId: user.id, role } });
  return createCaller({ db, session: { userId: user.id }, redis: () => admin });
}
