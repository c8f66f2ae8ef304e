// The organizations domain: creating, listing and renaming organizations (slug.ts: their URL names).
import { z } from 'zod';
import { authenticatedProcedure, orgProcedure, router } from '../trpc';
import { uniqueOrgSlug } from './slug';

const orgSummary = z.object({
  slug: z.string(),
  name: z.string(),
  role: z.enum(['OWNER', 'ADMIN', 'EDITOR', 'VIEWER']),
});

export const orgRouter = router({
  /** A new organization with the caller as its owner (for users who signed in without one, e.g. by SSO). */
  create: authenticatedProcedure
    .input(
      z.object({ name: z.string().trim().min(2, 'at least 2 characters').max(80, 'at most 80 characters') }),
    )
    .output(z.object({ slug: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const slug = await uniqueOrgSlug(ctx.db, input.name);
      await ctx.db.organization.create({
        data: {
          slug,
          name: input.name,
          memberships: { create: { userId: ctx.session.userId, role: 'OWNER' } },
        },
      });
      return { slug };
    }),

  /** The organizations the caller belongs to, for the org switcher. */
  mine: authenticatedProcedure.output(z.array(orgSummary)).query(async ({ ctx }) => {
    const memberships = await ctx.db.membership.findMany({
      where: { userId: ctx.session.userId },
      include: { organization: true },
      orderBy: { organization: { name: 'asc' } },
    });
    return memberships.map((m) => ({ slug: m.organization.slug, name: m.organization.name, role: m.role }));
  }),

  get: orgProcedure('VIEWER')
    .output(orgSummary)
    .query(({ ctx }) => ({ slug: ctx.org.slug, name: ctx.org.name, role: ctx.role })),

  members: orgProcedure('VIEWER')
    .output(
      z.array(
        z.object({
          email: z.string(),
          name: z.string().nullable(),
          role: orgSummary.shape.role,
          isCaller: z.boolean(),
        }),
      ),
    )
    .query(async ({ ctx }) => {
      const memberships = await ctx.db.membership.findMany({
        where: { organizationId: ctx.org.id },
        include: { user: true },
        orderBy: [{ role: 'asc' }, { user: { email: 'asc' } }],
      });
      return memberships.map((m) => ({
        email: m.user.email,
        name: m.user.name,
        role: m.role,
        isCaller: m.userId === ctx.session.userId,
      }));
    }),

  rename: orgProcedure('ADMIN')
    .input(
      z.object({ name: z.string().trim().min(2, 'at least 2 characters').max(80, 'at most 80 characters') }),
    )
    .output(z.object({ name: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const org = await ctx.db.organization.update({ where: { id: ctx.org.id }, data: { name: input.name } });
      Object.assign(ctx.audit, {
        target: ctx.org.slug,
        before: { name: ctx.org.name },
        after: { name: org.name },
      });
      return { name: org.name };
    }),
});
