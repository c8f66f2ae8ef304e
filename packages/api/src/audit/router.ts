// The audit domain: reading the organization's audit log (each mutation writes its entry in
// its own transaction, see trpc.ts).
import { z } from 'zod';
import { orgProcedure, router } from '../trpc';

const PAGE = 100;

export const auditRouter = router({
  /** The organization's audit log, newest first, filtered by action prefix and actor email. */
  list: orgProcedure('ADMIN')
    .input(z.object({ action: z.string().max(100).optional(), actorEmail: z.string().max(200).optional() }))
    .output(
      z.array(
        z.object({
          id: z.string(),
          at: z.date(),
          actor: z.string(),
          action: z.string(),
          target: z.string().nullable(),
          input: z.unknown(),
          before: z.unknown(),
          after: z.unknown(),
        }),
      ),
    )
    .query(async ({ ctx, input }) => {
      const actor = input.actorEmail
        ? await ctx.db.user.findUnique({ where: { email: input.actorEmail.trim().toLowerCase() } })
        : undefined;
      if (input.actorEmail && !actor) return [];
      const events = await ctx.db.auditEvent.findMany({
        where: {
          organizationId: ctx.org.id,
          ...(input.action ? { action: { startsWith: input.action } } : {}),
          ...(actor ? { actorId: actor.id } : {}),
        },
        orderBy: { id: 'desc' },
        take: PAGE,
      });
      const actors = await ctx.db.user.findMany({
        where: { id: { in: [...new Set(events.map((e) => e.actorId))] } },
      });
      const emailOf = new Map(actors.map((u) => [u.id, u.email]));
      return events.map((e) => ({
        id: e.id.toString(),
        at: e.createdAt,
        actor: emailOf.get(e.actorId) ?? e.actorId,
        action: e.action,
        target: e.target,
        input: e.input,
        before: e.before,
        after: e.after,
      }));
    }),
});
