/** The agent policy (agentPolicySchema of @floe/protocol) that allows the local stack and nothing else. */
export function localAgentPolicy(
  env: Record<string, string | undefined>,
  options?: { prefix?: string },
): Record<string, unknown>;

/** Writes the local policy as JSON to `file`; returns the file. */
export function writeLocalAgentPolicy(
  env: Record<string, string | undefined>,
  file: string,
  options?: { prefix?: string },
): string;
