import { localAgentPolicy } from '../../../../infra/local/agent-policy.mjs';
import { type LoadedPolicy, parsePolicy } from '../policy/load-policy';
import { SecretResolver } from '../secrets';

/**
 * For tests that build an agent in process: the policy that allows the local stack and nothing else
 * (what vitest also hands `floe-agent` processes as FLOE_AGENT_POLICY), and a secret resolver bound to it.
 */
export function stackPolicy(options?: { prefix?: string }): LoadedPolicy {
  return {
    rules: parsePolicy(localAgentPolicy(process.env, options), 'the local stack policy'),
    file: process.env.FLOE_AGENT_POLICY ?? '(the local stack policy)',
  };
}

export function stackSecrets(policy = stackPolicy()): SecretResolver {
  return new SecretResolver(policy);
}
