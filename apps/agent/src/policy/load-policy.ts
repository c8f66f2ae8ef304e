import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type AgentPolicy, agentPolicySchema } from '@floe/protocol';
import { parse } from 'yaml';

/** The policy the agent enforces, and where it came from. */
export interface LoadedPolicy {
  /** The rules; 'permissive' only for `floe-agent run --permissive` on a laptop. */
  rules: AgentPolicy | 'permissive';
  /** The policy file; undefined when the agent runs with no policy, which allows nothing. */
  file?: string;
}

/** A policy file that cannot be read or does not hold a valid policy; the message names each bad key. */
export class PolicyFileError extends Error {
  override name = 'PolicyFileError';
}

/** Validates a policy document; the message names each key that is wrong (`policy.kafka.bootstrapHosts[0]: ...`). */
export function parsePolicy(document: unknown, source: string): AgentPolicy {
  const result = agentPolicySchema.safeParse(document ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => {
    const at = keyPath(issue.path);
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => `  ${keyPath([...issue.path, key])}: not a policy key`);
    return [`  ${at}: ${issue.message}`];
  });
  throw new PolicyFileError(`${source}: not a valid agent policy:\n${problems.join('\n')}`);
}

function keyPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    'policy',
  );
}

/** Reads a policy file (YAML, or JSON, which is YAML). */
export async function readPolicyFile(path: string): Promise<LoadedPolicy> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new PolicyFileError(
      `${file}: cannot read the policy file (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new PolicyFileError(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  return { rules: parsePolicy(document, file), file };
}

/** No policy at all: every connection and secret is refused. */
export function emptyPolicy(): LoadedPolicy {
  return { rules: agentPolicySchema.parse({}) };
}

/**
 * The policy the agent starts with: the file named by --policy or FLOE_AGENT_POLICY; else, only when
 * asked for (floe-agent run --permissive), no limits; else nothing allowed. Says which on `warn`.
 */
export async function choosePolicy(
  { file, permissive = false }: { file?: string | undefined; permissive?: boolean },
  warn: (message: string) => void,
): Promise<LoadedPolicy> {
  if (file !== undefined && file !== '') {
    if (permissive)
      throw new PolicyFileError('--permissive and a policy file exclude each other: choose one');
    return readPolicyFile(file);
  }
  if (permissive) {
    warn(
      'PERMISSIVE: this agent runs without a policy and will connect wherever its pipeline says and ' +
        'resolve any secret reference (except its own credentials). Use it only on your own machine.',
    );
    return { rules: 'permissive' };
  }
  warn(
    'no agent policy (--policy <file> or FLOE_AGENT_POLICY): every job that connects anywhere or ' +
      'resolves a secret will be refused',
  );
  return emptyPolicy();
}
