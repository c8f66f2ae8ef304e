const ORIGIN = 'http://floe.invalid';

/**
 * The path to go to after signing in, when `callbackUrl` names a page of this site; `fallback`
 * otherwise. Parsed as a browser would: `//evil.com` and `/\evil.com` both leave the site.
 */
export function callbackPath(callbackUrl: string | undefined, fallback: string): string {
  if (!callbackUrl?.startsWith('/')) return fallback;
  let url: URL;
  try {
    url = new URL(callbackUrl, ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== ORIGIN) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
