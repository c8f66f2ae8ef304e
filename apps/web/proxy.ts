import { type NextRequest, NextResponse } from 'next/server';
import { checkBodySize } from './src/body-limit';

/** Runs before every route: bodies over their route's limit are refused before anyone reads them. */
export function proxy(request: NextRequest) {
  const verdict = checkBodySize(request.nextUrl.pathname, request.headers);
  if (!verdict.ok) return NextResponse.json({ error: verdict.error }, { status: verdict.status });
  return NextResponse.next();
}

export const config = { matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'] };
