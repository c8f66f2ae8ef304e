// Our session shape, seen by every program that imports @floe/auth.
import 'next-auth';

declare module 'next-auth' {
  interface Session {
    /** Absent when the session was revoked or expired. */
    user?: { id: string; email: string; name?: string | null };
    sid?: string;
  }
}
