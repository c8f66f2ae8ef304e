import type { NextConfig } from 'next';
import { MAX_BODY_BYTES } from './src/body-limit';
import { STATIC_SECURITY_HEADERS } from './src/security-headers';

const config: NextConfig = {
  // Workspace packages ship TypeScript source.
  transpilePackages: ['@floe/api', '@floe/auth', '@floe/db'],
  serverExternalPackages: ['pg', '@prisma/adapter-pg', '@prisma/client'],
  poweredByHeader: false,
  // proxy.ts sees each request's body: Next buffers at most this much of it (no route accepts more).
  experimental: { proxyClientMaxBodySize: MAX_BODY_BYTES },
  // The proxy sets these on what it sees; static files, which it skips, get them here.
  headers: async () => [
    {
      source: '/:path*',
      headers: Object.entries(STATIC_SECURITY_HEADERS).map(([key, value]) => ({ key, value })),
    },
  ],
};

export default config;
