import type { NextConfig } from 'next';
import { MAX_BODY_BYTES } from './src/body-limit';

const config: NextConfig = {
  // Workspace packages ship TypeScript source.
  transpilePackages: ['@floe/api', '@floe/auth', '@floe/db'],
  serverExternalPackages: ['pg', '@prisma/adapter-pg', '@prisma/client'],
  poweredByHeader: false,
  // proxy.ts sees each request's body: Next buffers at most this much of it (no route accepts more).
  experimental: { proxyClientMaxBodySize: MAX_BODY_BYTES },
};

export default config;
