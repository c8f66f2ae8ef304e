import { type NextRequest, NextResponse } from 'next/server';
import { checkBodySize } from './src/body-limit';
import { API_POLICY, newNonce, pagePolicy, STATIC_SECURITY_HEADERS } from './src/security-headers';

/**
 * Runs before every route: bodies over their route's limit are refused before anyone reads them,
 * and every answer carries the security headers, a page's with a fresh script nonce.
 */
export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  const policy = pathname.startsWith('/api/')
    ? API_POLICY
    : pagePolicy(newNonce(), { development: process.env.NODE_ENV === 'development' });
  const verdict = checkBodySize(pathname, request.headers);
  let response: NextResponse;
  if (verdict.ok) {
    // Next finds the nonce for its own scripts in the request's copy of the policy.
    const headers = new Headers(request.headers);
    headers.set('Content-Security-Policy', policy);
    response = NextResponse.next({ request: { headers } });
  } else {
    response = NextResponse.json({ error: verdict.error }, { status: verdict.status });
  }
  response.headers.set('Content-Security-Policy', policy);
  for (const [name, value] of Object.entries(STATIC_SECURITY_HEADERS)) response.headers.set(name, value);
  return response;
}

export const config = { matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'] };
