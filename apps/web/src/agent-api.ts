import { type AgentApiRoutes, agentApiRoutes } from '@floe/api';
import { db } from '@floe/db';
import { agentTransport } from './agent-transport';
import { redis } from './redis';

const globalForAgents = globalThis as unknown as { floeAgentApi?: AgentApiRoutes };

/** The agent API's handlers, one set per server process (they hold each served agent's queue handle). */
export function agentApi(): AgentApiRoutes {
  globalForAgents.floeAgentApi ??= agentApiRoutes({ db, redis, transport: () => agentTransport() });
  return globalForAgents.floeAgentApi;
}
