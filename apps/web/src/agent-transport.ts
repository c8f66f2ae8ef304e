import type { TransportSetting } from '@floe/api';
import { env, type WebEnv } from './env';

type TransportEnv = Pick<WebEnv, 'FLOE_AGENT_TRANSPORT' | 'FLOE_AGENT_REDIS_URL' | 'REDIS_URL'>;

/**
 * The transport new agents are enrolled for. HTTPS unless FLOE_AGENT_TRANSPORT=bullmq: that gives each
 * agent a Redis login, for a single-tenant install only (a shared control plane never sets it).
 */
export function agentTransport(settings: TransportEnv = env()): TransportSetting {
  if (settings.FLOE_AGENT_TRANSPORT === 'https') return { transport: 'https' };
  // Where agents reach Redis: FLOE_AGENT_REDIS_URL, or the control plane's own address (its login is cut off).
  return { transport: 'bullmq', redisUrl: settings.FLOE_AGENT_REDIS_URL ?? settings.REDIS_URL };
}
