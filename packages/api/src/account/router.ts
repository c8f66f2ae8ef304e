// The account domain: sign-up, password change and reset, signing out everywhere (router.ts), and
// the account form schemas the web app imports as @floe/api/account-forms (schemas.ts).
import {
  changePassword,
  hashPassword,
  issueEmailVerification,
  mailVerificationLink,
  requestPasswordReset,
  resetPassword,
  revokeAllSessions,
} from '@floe/auth';
import { Prisma } from '@floe/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { uniqueOrgSlug } from '../orgs/slug';
import { authenticatedProcedure, publicProcedure, router } from '../trpc';
import { changePasswordInput, requestPasswordResetInput, resetPasswordInput, signUpInput } from './schemas';

const emailTaken = () =>
  new TRPCError({ code: 'CONFLICT', message: 'an account with this email exists: sign in instead' });

export const accountRouter = router({
  /** A new user with their own organization, as its owner. */
  signUp: publicProcedure
    .input(signUpInput)
    .output(z.object({ orgSlug: z.string() }))
    .mutation(async ({ ctx, input }) => {
      // Before hashing: a hash costs ~250 ms of CPU, a lookup almost nothing.
      if (await ctx.db.user.findUnique({ where: { email: input.email }, select: { id: true } })) {
        throw emailTaken();
      }
      const passwordHash = await hashPassword(input.password);
      try {
        const slug = await uniqueOrgSlug(ctx.db, input.organization);
        const token = await ctx.db.$transaction(async (tx) => {
          const user = await tx.user.create({
            data: {
              email: input.email,
              name: input.name,
              passwordHash,
              memberships: {
                create: { role: 'OWNER', organization: { create: { slug, name: input.organization } } },
              },
            },
          });
          return issueEmailVerification(tx, { userId: user.id, email: user.email });
        });
        // Until the owner of the address opens this link, no single sign-on login can join the account.
        await mailVerificationLink(input.email, token);
        return { orgSlug: slug };
      } catch (error) {
        // Signed up at the same moment by another request.
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
          throw emailTaken();
        throw error;
      }
    }),

  /** Revokes every session of the caller, in every browser. */
  signOutEverywhere: authenticatedProcedure
    .output(z.object({ revoked: z.number() }))
    .mutation(async ({ ctx }) => ({ revoked: await revokeAllSessions(ctx.db, ctx.session.userId) })),

  /** A new password given the current one; the caller's other sessions are signed out. */
  changePassword: authenticatedProcedure
    .input(changePasswordInput)
    .output(z.object({ signedOut: z.number() }))
    .mutation(async ({ ctx, input }) => {
      const result = await changePassword(ctx.db, {
        userId: ctx.session.userId,
        current: input.currentPassword,
        next: input.newPassword,
        keepSession: ctx.session.sessionId,
      });
      if (!result.changed) throw new TRPCError({ code: 'BAD_REQUEST', message: result.reason });
      return { signedOut: result.signedOut };
    }),

  /** Mails a reset link if an account has this address; the answer is the same either way. */
  requestPasswordReset: publicProcedure
    .input(requestPasswordResetInput)
    .output(z.object({ requested: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await requestPasswordReset(ctx.db, input.email);
      return { requested: true as const };
    }),

  /** Sets a new password from a mailed link (once, within the hour); every session is signed out. */
  resetPassword: publicProcedure
    .input(resetPasswordInput)
    .output(z.object({ email: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const result = await resetPassword(ctx.db, input.token, input.password);
      if (!result.reset) throw new TRPCError({ code: 'BAD_REQUEST', message: result.reason });
      return { email: result.email };
    }),
});
