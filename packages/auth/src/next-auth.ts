import type { PrismaClient } from '@floe/db';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import type { OAuthConfig } from 'next-auth/providers/oauth';
import { z } from 'zod';
import { clientAddress, trustedProxiesOf } from './client-address';
import { type AuthEnv, authEnv } from './config';
import './next-auth-session';
import { resolveOidcUser } from './oidc-link';
import { createSession, revokeSession, SESSION_DAYS, sessionUser } from './sessions';
import { SignInError, verifyCredentials } from './sign-in';

const credentials = z.object({ email: z.email(), password: z.string().min(1) });

/** The sign-in page's `error` when an SSO login may not join the account that has its address. */
export const OIDC_NOT_LINKED = 'OidcNotLinked';

const oidcIssuerOf = (env: AuthEnv) => env.FLOE_OIDC_ISSUER?.replace(/\/$/, '');

/** Any OpenID Connect provider, when FLOE_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET are set. */
function oidcProvider(
  env: AuthEnv,
): OAuthConfig<{ sub: string; email: string; email_verified?: unknown; name?: string }>[] {
  const {
    FLOE_OIDC_ISSUER: issuer,
    FLOE_OIDC_CLIENT_ID: clientId,
    FLOE_OIDC_CLIENT_SECRET: clientSecret,
  } = env;
  if (!issuer || !clientId || !clientSecret) return [];
  return [
    {
      id: 'oidc',
      name: env.FLOE_OIDC_NAME ?? 'Single sign-on',
      type: 'oauth',
      wellKnown: `${oidcIssuerOf(env)}/.well-known/openid-configuration`,
      authorization: { params: { scope: 'openid email profile' } },
      idToken: true,
      checks: ['pkce', 'state'],
      clientId,
      clientSecret,
      profile: (p) => ({ id: p.sub, email: p.email, name: p.name ?? null }),
    },
  ];
}

/**
 * next-auth configuration. Sessions live in the database: the signed cookie holds only a
 * session id, checked on every request, so revoking rows signs browsers out at once.
 */
export function createAuthOptions(db: PrismaClient, env: AuthEnv = authEnv()): NextAuthOptions {
  const oidcIssuer = oidcIssuerOf(env);
  const trustedProxies = trustedProxiesOf(env);
  return {
    secret: env.NEXTAUTH_SECRET,
    session: { strategy: 'jwt', maxAge: SESSION_DAYS * 86_400 },
    pages: { signIn: '/sign-in' },
    providers: [
      CredentialsProvider({
        name: 'Email and password',
        credentials: { email: { type: 'email' }, password: { type: 'password' } },
        async authorize(raw, req) {
          const parsed = credentials.safeParse(raw);
          if (!parsed.success) throw new Error('enter an email and a password');
          const ip = clientAddress(req.headers?.['x-forwarded-for'], trustedProxies);
          try {
            const user = await verifyCredentials(db, { ...parsed.data, ip });
            return { id: user.id, email: user.email, name: user.name };
          } catch (error) {
            // next-auth shows the message to the user as the `error` query parameter.
            if (error instanceof SignInError) throw new Error(error.message);
            throw error;
          }
        },
      }),
      ...oidcProvider(env),
    ],
    callbacks: {
      async signIn({ user, account, profile }) {
        if (account?.provider !== 'oidc') return true;
        if (!user.email || !oidcIssuer) return false;
        const result = await resolveOidcUser(db, {
          issuer: oidcIssuer,
          subject: account.providerAccountId,
          email: user.email,
          emailVerified: (profile as { email_verified?: unknown } | undefined)?.email_verified,
          name: user.name ?? null,
        });
        return 'userId' in result ? true : `/sign-in?error=${OIDC_NOT_LINKED}`;
      },
      async jwt({ token, user, account }) {
        if (user && account) {
          // signIn made sure an OIDC login has its identity row; a password login's user is the row.
          const userId =
            account.provider === 'oidc' && oidcIssuer
              ? (
                  await db.oidcIdentity.findUniqueOrThrow({
                    where: { issuer_subject: { issuer: oidcIssuer, subject: account.providerAccountId } },
                  })
                ).userId
              : user.id;
          const session = await createSession(db, userId);
          token.sid = session.id;
          token.sub = userId;
        }
        return token;
      },
      async session({ session, token }) {
        const user = typeof token.sid === 'string' ? await sessionUser(db, token.sid) : null;
        if (!user) return { ...session, user: undefined, expires: new Date(0).toISOString() };
        return { ...session, user: { id: user.id, email: user.email, name: user.name }, sid: token.sid };
      },
    },
    events: {
      async signOut({ token }) {
        if (typeof token?.sid === 'string') await revokeSession(db, token.sid);
      },
    },
  };
}
