/**
 * The client's address for rate limits, from X-Forwarded-For. Each of the `trustedProxies` proxies in
 * front of the app appends the address it received the request from (and Next.js writes the peer's
 * address when no proxy did), so the entry that many places from the right is the last one a party
 * we trust wrote; everything left of it is whatever the client chose to send.
 */
export function clientAddress(
  forwardedFor: string | string[] | undefined,
  trustedProxies: number,
): string | undefined {
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return undefined;
  return entries[Math.max(0, entries.length - trustedProxies)];
}

/** FLOE_TRUSTED_PROXIES: how many reverse proxies stand in front of the web app (default 1). */
export function trustedProxiesOf(env: Record<string, string | undefined>): number {
  const raw = env.FLOE_TRUSTED_PROXIES ?? '1';
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(
      `FLOE_TRUSTED_PROXIES must be the number of proxies in front of the web app (1 or more), not "${raw}"`,
    );
  }
  return count;
}
