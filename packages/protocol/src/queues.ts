// Queue naming shared by the control plane and the agent. Every BullMQ key of an agent's
// queue is `floe:agent-<id>:*`, which is exactly what its Redis ACL user may touch.
export const QUEUE_PREFIX = 'floe';

// Lowercase letters, digits and dashes only: a `*` or `?` in an id would widen the ACL key pattern.
export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function assertAgentId(id: string): string {
  if (!AGENT_ID_PATTERN.test(id)) {
    throw new Error(`invalid agent id ${JSON.stringify(id)}: use 1-63 lowercase letters, digits and dashes`);
  }
  return id;
}

export function agentQueueName(agentId: string): string {
  return `agent-${assertAgentId(agentId)}`;
}

/** The Redis key pattern (for an ACL `~pattern`) that covers one agent's queue and nothing else. */
export function agentKeyPattern(agentId: string): string {
  return `${QUEUE_PREFIX}:${agentQueueName(agentId)}:*`;
}
