/**
 * The agent release this control plane ships with: apps/agent/package.json's version (the agent's
 * tests fail when the two differ). An agent that reports an older version is offered the upgrade.
 */
export const AGENT_RELEASE = '0.1.0';
