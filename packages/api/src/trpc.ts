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
    .use(async ({ ctx, input, next, type, path, getRawInput }) => {
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
      const audit: AuditNote = {};
      const result = await next({
        ctx: { ...ctx, org: membership.organization, role: membership.role, audit },
      });
      // Every successful change is in the audit log: who, what, when, and before/after where the handler knows them.
      if (type === 'mutation' && result.ok) {
        const { orgSlug: _org, ...details } = ((await getRawInput()) ?? {}) as Record<string, unknown>;
        await ctx.db.auditEvent.create({
          data: {
            organizationId: membership.organizationId,
            actorId: ctx.session.userId,
            action: path,
            target: audit.target ?? null,
            input: details as object,
            before: (audit.before ?? undefined) as object | undefined,
            after: (audit.after ?? undefined) as object | undefined,
          },
        });
      }
      return result;
    });
}

/** What a mutation handler may add to its audit entry. */
export interface AuditNote {
  target?: string;
  before?: unknown;
  after?: unknown;
}

/** The control plane's admin Redis connection, for procedures that send agents jobs. */
export function redisOf(ctx: Context) {
  if (!ctx.redis)
    throw new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'the control plane has no Redis connection',
    });
  return ctx.redis();
}
