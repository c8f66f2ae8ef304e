// Headers every response carries, pages, API routes and static files alike.

/**
 * Headers that need nothing from the request. No referrer at all: invitation, reset, verification
 * and share links carry their token in the path, and a Referer would hand it to the next site.
 */
export const STATIC_SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * The Content-Security-Policy of a page: scripts only from this origin and those Next marks with the
 * request's nonce (it reads the nonce from this header in the request), so an injected script does
 * not run. Styles may be inline: charts set style attributes, which a nonce cannot cover, and a style
 * cannot run code. No page may be framed anywhere (clickjacking), the share page included: readers
 * follow its link; the badge is embedded as an image, which frame-ancestors does not govern.
 */
export function pagePolicy(nonce: string, { development = false } = {}): string {
  return [
    "default-src 'self'",
    // React needs eval in development only, for its error overlays.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** API answers are data, never a document to render: nothing may load from or frame one. */
export const API_POLICY = "default-src 'none'; frame-ancestors 'none'";

export function newNonce(): string {
  return btoa(crypto.randomUUID());
}
