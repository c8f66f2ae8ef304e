import type { TransportSetting } from '@floe/api';
import { agentTransportSchema } from '@floe/protocol';

/**
 * The transport new agents are enrolled for. HTTPS unless FLOE_AGENT_TRANSPORT=bullmq: that gives each
 * agent a Redis login, for a single-tenant install only (a shared control plane never sets it).
 */
export function agentTransport(env: Record<string, string | undefined> = process.env): TransportSetting {
  const parsed = agentTransportSchema.safeParse(env.FLOE_AGENT_TRANSPORT ?? 'https');
  if (!parsed.success)
    throw new Error(
      `FLOE_AGENT_TRANSPORT must be https or bullmq, not ${JSON.stringify(env.FLOE_AGENT_TRANSPORT)}`,
    );
  if (parsed.data === 'https') return { transport: 'https' };
  // Where agents reach Redis: FLOE_AGENT_REDIS_URL, or the control plane's own address (its login is cut off).
  const redisUrl = env.FLOE_AGENT_REDIS_URL ?? env.REDIS_URL;
  if (redisUrl === undefined)
    throw new Error('FLOE_AGENT_TRANSPORT=bullmq needs FLOE_AGENT_REDIS_URL or REDIS_URL');
  return { transport: 'bullmq', redisUrl };
}
