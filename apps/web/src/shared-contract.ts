import { sharedContract } from '@floe/api';
import { db } from '@floe/db';

/** The shared contract behind a public link, or null (unknown or revoked link). */
export function loadSharedContract(token: string) {
  // Tokens are base64url; anything else cannot match, so it never reaches the database.
  return /^[\w-]{16,64}$/.test(token) ? sharedContract(db(), token) : Promise.resolve(null);
}

export const PUBLIC_HEADERS = { 'Cache-Control': 'public, max-age=30', 'X-Robots-Tag': 'noindex' };

export function notFoundResponse() {
  return new Response('not found: this link is unknown or was revoked\n', { status: 404 });
}
