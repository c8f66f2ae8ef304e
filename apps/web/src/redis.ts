import { Redis } from 'ioredis';

const globalForRedis = globalThis as unknown as { floeRedis?: Redis };

/** The control plane's admin connection to Redis, made on first use. */
export function redis(): Redis {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set (start the local stack with: npm run stack -- up)');
  globalForRedis.floeRedis ??= new Redis(url, { maxRetriesPerRequest: null });
  return globalForRedis.floeRedis;
}
