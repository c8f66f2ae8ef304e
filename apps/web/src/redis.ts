import { Redis } from 'ioredis';
import { env } from './env';

const globalForRedis = globalThis as unknown as { floeRedis?: Redis };

/** The control plane's admin connection to Redis, made on first use. */
export function redis(): Redis {
  globalForRedis.floeRedis ??= new Redis(env().REDIS_URL, { maxRetriesPerRequest: null });
  return globalForRedis.floeRedis;
}
