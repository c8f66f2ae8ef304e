import { createHash, randomBytes } from 'node:crypto';
import { type AuthEnv, authEnv } from './config';

/** What is stored of a link's token: its SHA-256, so the database alone opens nothing. */
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** A random link token with a prefix that says what it is for (`floe_ver_`, `floe_pwr_`). */
export const newToken = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

/** `<base>/<path>/<token>`, the base being the control plane's public URL. */
export function tokenLink(
  path: string,
  token: string,
  env: Pick<AuthEnv, 'NEXTAUTH_URL' | 'FLOE_WEB_PORT'> = authEnv(),
): string {
  const base = (env.NEXTAUTH_URL ?? `http://localhost:${env.FLOE_WEB_PORT ?? 3000}`).replace(/\/$/, '');
  return `${base}/${path}/${encodeURIComponent(token)}`;
}
