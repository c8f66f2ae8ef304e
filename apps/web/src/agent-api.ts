import { type AgentApiRoutes, agentApiRoutes, type TransportSetting } from '@floe/api';
import { db } from '@floe/db';
import { agentTransportSchema } from '@floe/protocol';
import { redis } from './redis';

const globalForAgents = globalThis as unknown as { floeAgentApi?: AgentApiRoutes };

/** The agent API's handlers, one set per server process (they hold each served agent's queue handle). */
export function agentApi(): AgentApiRoutes {
  globalForAgents.floeAgentApi ??= agentApiRoutes({ db, redis, transport: agentTransport });
  return globalForAgents.floeAgentApi;
}

/**
 * The transport new agents are enrolled for. HTTPS unless FLOE_AGENT_TRANSPORT=bullmq: that gives each
 * agent a Redis login, for a single-tenant install only (a shared control plane never sets it).
 */
export function agentTransport(env: NodeJS.ProcessEnv = process.env): TransportSetting {
  const parsed = agentTransportSchema.safeParse(env.FLOE_AGENT_TRANSPORT ?? 'https');
  if (!parsed.success)
    throw new Error(
      `FLOE_AGENT_TRANSPORT must be https or bullmq, not ${JSON.stringify(env.FLOE_AGENT_TRANSPORT)}`,
    );
  if (parsed.data === 'https') return { transport: 'https' };
  // Where agents reach Redis: FLOE_AGENT_REDIS_URL, or the control plane's own address (its login is cut off).
  return { transport: 'bullmq', redisUrl: (env.FLOE_AGENT_REDIS_URL ?? env.REDIS_URL) as string };
}
