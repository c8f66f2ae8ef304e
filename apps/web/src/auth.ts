import { createAuthOptions } from '@floe/auth';
import { db } from '@floe/db';
import type { NextAuthOptions } from 'next-auth';
import { getServerSession } from 'next-auth';
import { env } from './env';

let options: NextAuthOptions | undefined;

/** next-auth's options, made on first use (so `next build` needs no database). */
export function authOptions(): NextAuthOptions {
  options ??= createAuthOptions(db(), env());
  return options;
}

/** The signed-in user and their session row, or null (a revoked or expired session counts as signed out). */
export async function currentSession(): Promise<{ userId: string; sessionId?: string } | null> {
  const session = await getServerSession(authOptions());
  if (!session?.user) return null;
  return { userId: session.user.id, ...(session.sid ? { sessionId: session.sid } : {}) };
}
