// The members domain: invitations to the organization, its members' roles, leaving it.
import { createHash, randomBytes } from 'node:crypto';
import { hasRole } from '@floe/auth';
import type { PrismaClient, Role } from '@floe/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { authenticatedProcedure, orgProcedure, router } from '../trpc';

export const INVITATION_DAYS = 7;
const role = z.enum(['OWNER', 'ADMIN', 'EDITOR', 'VIEWER']);
const email = z.string().trim().toLowerCase().max(254).pipe(z.email('enter a valid email address'));
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

const lastOwner = () =>
  new TRPCError({
    code: 'BAD_REQUEST',
    message: 'an organization keeps at least one owner: make someone else owner first',
  });

/**
 * Locks the organization's row until the transaction ends, so changes to its members take turns:
 * two owners demoting or removing each other at once cannot leave it with none. Returns the owners
 * counted under the lock and the caller's role as it is now (it may have changed since the request
 * was let in).
 */
async function lockMembers(db: PrismaClient, organizationId: string, userId: string, minRole: Role) {
  await db.$queryRaw`SELECT 1 FROM "Organization" WHERE id = ${organizationId} FOR UPDATE`;
  const owners = await db.membership.count({ where: { organizationId, role: 'OWNER' } });
  const caller = await db.membership.findUnique({
    where: { organizationId_userId: { organizationId, userId } },
  });
  if (!caller || !hasRole(caller.role, minRole))
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `this needs the ${minRole.toLowerCase()} role or higher`,
    });
  return { owners, callerRole: caller.role };
}

async function memberByEmail(db: PrismaClient, organizationId: string, address: string) {
  const membership = await db.membership.findFirst({ where: { organizationId, user: { email: address } } });
  if (!membership) throw new TRPCError({ code: 'NOT_FOUND', message: `${address} is not a member` });
  return membership;
}

export const memberRouter = router({
  /** An invitation link for one email and role; the link is in this answer only. */
  invite: orgProcedure('ADMIN')
    .input(z.object({ email, role: role.exclude(['OWNER']) }))
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

  /** Invitations not yet accepted and not expired, for admins to see and revoke. */
  invitations: orgProcedure('ADMIN')
    .output(z.array(z.object({ id: z.string(), email: z.string(), role, expiresAt: z.date() })))
    .query(({ ctx }) =>
      ctx.db.invitation.findMany({
        where: { organizationId: ctx.org.id, acceptedAt: null, expiresAt: { gt: new Date() } },
        select: { id: true, email: true, role: true, expiresAt: true },
        orderBy: { createdAt: 'desc' },
      }),
    ),

  /** Makes an invitation's link useless (the audit log keeps who was invited). */
  revokeInvitation: orgProcedure('ADMIN')
    .input(z.object({ id: z.string().min(1).max(100) }))
    .output(z.object({ revoked: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const invitation = await ctx.db.invitation.findFirst({
        where: { id: input.id, organizationId: ctx.org.id, acceptedAt: null },
      });
      if (!invitation) throw new TRPCError({ code: 'NOT_FOUND', message: 'no open invitation with this id' });
      await ctx.db.invitation.delete({ where: { id: invitation.id } });
      Object.assign(ctx.audit, {
        target: invitation.id,
        before: { email: invitation.email, role: invitation.role },
      });
      return { revoked: true as const };
    }),

  /** Joins the organization of an invitation, as the signed-in user whose email it names. */
  accept: authenticatedProcedure
    .input(z.object({ token: z.string().min(1).max(200) }))
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

  /** Changes a member's role. Only owners make or unmake owners, and at least one stays. */
  setRole: orgProcedure('ADMIN')
    .input(z.object({ email, role }))
    .output(z.object({ role }))
    .mutation(async ({ ctx, input }) => {
      const { owners, callerRole } = await lockMembers(ctx.db, ctx.org.id, ctx.session.userId, 'ADMIN');
      const membership = await memberByEmail(ctx.db, ctx.org.id, input.email);
      if ((membership.role === 'OWNER' || input.role === 'OWNER') && callerRole !== 'OWNER') {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'only an owner can make or unmake owners' });
      }
      if (membership.role === 'OWNER' && input.role !== 'OWNER' && owners === 1) throw lastOwner();
      await ctx.db.membership.update({ where: { id: membership.id }, data: { role: input.role } });
      Object.assign(ctx.audit, {
        target: input.email,
        before: { role: membership.role },
        after: { role: input.role },
      });
      return { role: input.role };
    }),

  /**
   * Takes a member out of the organization. Their very next request to it is refused: every call
   * checks membership, so their sessions (which also serve their other organizations) stay.
   */
  remove: orgProcedure('ADMIN')
    .input(z.object({ email }))
    .output(z.object({ removed: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const { owners, callerRole } = await lockMembers(ctx.db, ctx.org.id, ctx.session.userId, 'ADMIN');
      const membership = await memberByEmail(ctx.db, ctx.org.id, input.email);
      if (membership.role === 'OWNER' && callerRole !== 'OWNER')
        throw new TRPCError({ code: 'FORBIDDEN', message: 'only an owner can remove an owner' });
      if (membership.role === 'OWNER' && owners === 1) throw lastOwner();
      await ctx.db.membership.delete({ where: { id: membership.id } });
      Object.assign(ctx.audit, { target: input.email, before: { role: membership.role } });
      return { removed: true as const };
    }),

  /** The caller leaves the organization (its last owner cannot). */
  leave: orgProcedure('VIEWER')
    .output(z.object({ left: z.literal(true) }))
    .mutation(async ({ ctx }) => {
      const { owners, callerRole } = await lockMembers(ctx.db, ctx.org.id, ctx.session.userId, 'VIEWER');
      if (callerRole === 'OWNER' && owners === 1) throw lastOwner();
      await ctx.db.membership.delete({
        where: { organizationId_userId: { organizationId: ctx.org.id, userId: ctx.session.userId } },
      });
      Object.assign(ctx.audit, { before: { role: callerRole } });
      return { left: true as const };
    }),
});
