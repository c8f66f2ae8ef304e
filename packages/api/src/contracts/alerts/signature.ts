import { createHmac, randomBytes } from 'node:crypto';

/** A new signing secret for a destination (prefixed, so secret scanners can spot a leaked one). */
export const newSigningSecret = () => `floe_whsec_${randomBytes(32).toString('base64url')}`;

/**
 * The `Floe-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. Receivers
 * recompute it with their secret and refuse old timestamps, so a captured request cannot be replayed.
 */
export function signatureHeader(secret: string, body: string, atMs: number): string {
  const t = Math.floor(atMs / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}
