import { createHash, randomBytes } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { authenticatedProcedure, orgProcedure, router } from '../trpc';

export const INVITATION_DAYS = 7;
const role = z.enum(['OWNER', 'ADMIN', 'EDITOR', 'VIEWER']);
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export const memberRouter = router({
  /** An invitation link for one email and role; the link is in this answer only. */
  invite: orgProcedure('ADMIN')
    .input(
      z.object({
        email: z.string().trim().toLowerCase().pipe(z.email('enter a valid email address')),
        role: role.exclude(['OWNER']),
      }),
    )
    .output(z.object({ token: z.string(), expiresAt: z.date() }))
    .mutation(async ({ ctx, input }) => {
      const member = await ctx.db.membership.findFirst({
        where: { organizationId: ctx.org.id, user: { email: input.email } },
      });
      if (member) throw new TRPCError({ code: 'CONFLICT', message: `${input.email} is already a member` });
      const token = `floe_inv_${randomBytes(24).toString('base64url')}`;
      const expiresAt = new Date(Date.now() + INVITATION_DAYS * 86_400_000);
      const invitation = await ctx.db.invitation.create({
        data: {
          organizationId: ctx.org.id,
          email: input.email,
          role: input.role,
          tokenHash: sha256(token),
          invitedById: ctx.session.userId,
          expiresAt,
        },
      });
      ctx.audit.target = invitation.id;
      return { token, expiresAt };
    }),

  /** Joins the organization of an invitation, as the signed-in user whose email it names. */
  accept: authenticatedProcedure
    .input(z.object({ token: z.string().min(1) }))
    .output(z.object({ orgSlug: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const invitation = await ctx.db.invitation.findUnique({
        where: { tokenHash: sha256(input.token) },
        include: { organization: true },
      });
      const user = await ctx.db.user.findUniqueOrThrow({ where: { id: ctx.session.userId } });
      if (!invitation || invitation.acceptedAt)
        throw new TRPCError({ code: 'NOT_FOUND', message: 'this invitation is not valid or was used' });
      if (invitation.expiresAt <= new Date())
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: 'this invitation has expired: ask for a new one',
        });
      if (invitation.email !== user.email) {
        throw new TRPCError({
          code: 'FORBIDDEN',
          message: `this invitation is for ${invitation.email}: sign in as that user`,
        });
      }
      await ctx.db.$transaction([
        ctx.db.invitation.update({ where: { id: invitation.id }, data: { acceptedAt: new Date() } }),
        ctx.db.membership.create({
          data: { organizationId: invitation.organizationId, userId: user.id, role: invitation.role },
        }),
        ctx.db.auditEvent.create({
          data: {
            organizationId: invitation.organizationId,
            actorId: user.id,
            action: 'member.accept',
            target: invitation.id,
            input: {},
            after: { email: user.email, role: invitation.role },
          },
        }),
      ]);
      return { orgSlug: invitation.organization.slug };
    }),

  /** Changes a member's role. Owners stay at least one. */
  setRole: orgProcedure('ADMIN')
    .input(z.object({ email: z.string(), role }))
    .output(z.object({ role }))
    .mutation(async ({ ctx, input }) => {
      const membership = await ctx.db.membership.findFirst({
        where: { organizationId: ctx.org.id, user: { email: input.email } },
      });
      if (!membership) throw new TRPCError({ code: 'NOT_FOUND', message: `${input.email} is not a member` });
      if ((membership.role === 'OWNER' || input.role === 'OWNER') && ctx.role !== 'OWNER') {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'only an owner can make or unmake owners' });
      }
      if (membership.role === 'OWNER' && input.role !== 'OWNER') {
        const owners = await ctx.db.membership.count({
          where: { organizationId: ctx.org.id, role: 'OWNER' },
        });
        if (owners === 1)
          throw new TRPCError({ code: 'BAD_REQUEST', message: 'an organization keeps at least one owner' });
      }
      await ctx.db.membership.update({ where: { id: membership.id }, data: { role: input.role } });
      Object.assign(ctx.audit, {
        target: input.email,
        before: { role: membership.role },
        after: { role: input.role },
      });
      return { role: input.role };
    }),
});
