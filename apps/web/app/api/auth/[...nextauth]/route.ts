import NextAuth from 'next-auth';
import { authOptions } from '../../../../src/auth';

type RouteContext = { params: Promise<{ nextauth: string[] }> };

async function handler(req: Request, context: RouteContext) {
  return NextAuth(authOptions())(req, context);
}

export { handler as GET, handler as POST };
