import { hasRole } from '@floe/auth';
import type { Prisma, PrismaClient, Role } from '@floe/db';
import { initTRPC, TRPCError } from '@trpc/server';
import type { Redis } from 'ioredis';
import superjson from 'superjson';
import { ZodError, z } from 'zod';
import { asNestableClient } from './nested-transaction';

export interface Session {
  userId: string;
  /** The browser's session row, where known: a password change keeps this one signed in. */
  sessionId?: string;
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

/** Keeps a procedure's validated input for its audit row: its parser runs after the membership check. */
const keepValidatedInput = t.middleware(({ ctx, input, next }) => {
  const note = (ctx as { audit?: AuditNote }).audit;
  if (note) note.input = input;
  return next();
});

/**
 * A member of the organization named by the input's `orgSlug`, with at least `minRole`.
 * The one place where organization membership and role are checked: handlers never do it.
 * A non-member gets NOT_FOUND, so organization slugs do not leak.
 *
 * A mutation runs in one transaction (`ctx.db` is it) that also writes its audit row from the
 * validated input: a change without its audit row never commits.
 */
export function orgProcedure(minRole: Role) {
  const member = authenticatedProcedure
    .input(z.object({ orgSlug: z.string().min(1).max(100) }))
    .use(async ({ ctx, input, next, type, path }) => {
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
      const run = (db: PrismaClient) =>
        next({ ctx: { db, org: membership.organization, role: membership.role, audit } });
      if (type !== 'mutation') return run(ctx.db);
      return ctx.db.$transaction(
        async (tx) => {
          const result = await run(asNestableClient(tx));
          if (!result.ok) throw result.error;
          // Every change is in the audit log: who, what, when, and before/after where the handler knows them.
          const { orgSlug: _org, ...details } = (audit.input ?? {}) as Record<string, unknown>;
          await tx.auditEvent.create({
            data: {
              organizationId: membership.organizationId,
              actorId: ctx.session.userId,
              action: path,
              target: audit.target ?? null,
              input: details as Prisma.InputJsonObject,
              before: (audit.before ?? undefined) as Prisma.InputJsonValue | undefined,
              after: (audit.after ?? undefined) as Prisma.InputJsonValue | undefined,
            },
          });
          return result;
        },
        { maxWait: 10_000, timeout: 60_000 },
      );
    });
  return { ...member, input: (parser) => member.input(parser).use(keepValidatedInput) } as typeof member;
}

/** What a mutation handler may add to its audit entry. */
export interface AuditNote {
  /** Filled in by orgProcedure: the procedure's validated input. */
  input?: unknown;
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
