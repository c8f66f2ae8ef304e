import { createHash, randomBytes } from 'node:crypto';
import { API_TOKEN_PREFIX } from '@floe/protocol';

export function newToken(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** What the UI shows of a token: its prefix and first characters, never enough to use it. */
export function tokenHint(token: string): string {
  return `${token.slice(0, API_TOKEN_PREFIX.length + 4)}…`;
}
