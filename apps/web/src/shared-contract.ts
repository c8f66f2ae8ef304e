import { sharedContract } from '@floe/api';
import { db } from '@floe/db';

/** Link tokens are base64url (hex for badges made by the migration): anything else never reaches the database. */
export const TOKEN_SHAPE = /^[\w-]{16,64}$/;

/** The shared contract behind a public link, or null (unknown or revoked link). */
export function loadSharedContract(token: string) {
  return TOKEN_SHAPE.test(token) ? sharedContract(db(), token) : Promise.resolve(null);
}

export const PUBLIC_HEADERS = { 'Cache-Control': 'public, max-age=30', 'X-Robots-Tag': 'noindex' };

export function notFoundResponse() {
  return new Response('not found: this link is unknown or was revoked\n', { status: 404 });
}
