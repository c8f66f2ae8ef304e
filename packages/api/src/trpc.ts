import { hasRole } from '@floe/auth';
import type { PrismaClient, Role } from '@floe/db';
import { initTRPC, TRPCError } from '@trpc/server';
import type { Redis } from 'ioredis';
import superjson from 'superjson';
import { ZodError, z } from 'zod';

export interface Session {
  userId: string;
}

export interface Context {
  db: PrismaClient;
  session: Session | null;
  /** The control plane's admin connection to Redis (made on first use: most calls never need it). */
  redis?: () => Redis;
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    data: {
      ...shape.data,
      fieldErrors: error.cause instanceof ZodError ? z.flattenError(error.cause).fieldErrors : null,
    },
  }),
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Anyone, signed in or not. */
export const publicProcedure = t.procedure;

/** A signed-in user. */
export const authenticatedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.session) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  return next({ ctx: { ...ctx, session: ctx.session } });
});

/**
 * A member of the organization named by the input's `orgSlug`, with at least `minRole`.
 * The one place where organization membership and role are checked: handlers never do it.
 * A non-member gets NOT_FOUND, so organization slugs do not leak.
 */
export function orgProcedure(minRole: Role) {
  return authenticatedProcedure
    .input(z.object({ orgSlug: z.string().min(1) }))
    .use(async ({ ctx, input, next }) => {
      const membership = await ctx.db.membership.findFirst({
        where: { userId: ctx.session.userId, organization: { slug: input.orgSlug } },
        include: { organization: true },
      });
      if (!membership)
        throw new TRPCError({ code: 'NOT_FOUND', message: `no organization ${input.orgSlug}` });
      if (!hasRole(membership.role, minRole)) {
        throw new TRPCError({
          code: 'FORBIDDEN',
          message: `this needs the ${minRole.toLowerCase()} role or higher`,
        });
      }
      return next({ ctx: { ...ctx, org: membership.organization, role: membership.role } });
    });
}
