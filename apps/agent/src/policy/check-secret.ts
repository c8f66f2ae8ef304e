import { homedir } from 'node:os';
import { join, posix } from 'node:path';
import { formatSecretRef, type SecretRef } from '@floe/protocol';
import { stateDir } from '../credentials';
import type { LoadedPolicy } from './load-policy';
import { globMatches, pathWithin } from './match';
import { PolicyError } from './policy-error';

/**
 * The agent's own credentials, never resolved whatever a policy says (a policy is widened by mistake
 * more easily than this list): its token and state, its AWS identity, the pod's service-account and
 * web-identity tokens, and the kernel's views of processes and devices.
 */
export function ownCredentialFiles(env: NodeJS.ProcessEnv, policyFile?: string): string[] {
  const aws = join(homedir(), '.aws');
  return [
    stateDir({ FLOE_AGENT_STATE_DIR: env.FLOE_AGENT_STATE_DIR }),
    policyFile,
    env.AWS_WEB_IDENTITY_TOKEN_FILE,
    env.AWS_SHARED_CREDENTIALS_FILE,
    env.AWS_CONFIG_FILE,
    aws,
    '/proc',
    '/sys',
    '/dev',
    '/var/run/secrets/kubernetes.io',
    '/var/run/secrets/eks.amazonaws.com',
    '/run/secrets/kubernetes.io',
    '/run/secrets/eks.amazonaws.com',
  ].filter((p): p is string => p !== undefined && p !== '');
}

const OWN_ENV = [/^FLOE_TOKEN$/, /^FLOE_AGENT_/, /^AWS_/];

/** True when a path is one of the files or inside one of the folders. */
export const isOrUnder = (path: string, places: string[]) =>
  places.some((place) => {
    const p = posix.normalize(place).replace(/\/+$/, '');
    return path === p || pathWithin(path, p);
  });

/**
 * Checks a secret reference against the policy before anything is read; throws a PolicyError naming
 * the rule. A file path is judged as written, normalized (`..` resolved); the resolver checks again
 * where symbolic links lead.
 */
export function checkSecretRef(ref: SecretRef, policy: LoadedPolicy, env: NodeJS.ProcessEnv): void {
  const violation = secretViolation(ref, policy, env);
  if (violation !== undefined) throw new PolicyError(`policy: ${violation}${noPolicyHint(policy)}`);
}

/** Why the policy refuses a secret reference (without the `policy: ` in front), or undefined. */
export function secretViolation(
  ref: SecretRef,
  policy: LoadedPolicy,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const shown = `secret ${formatSecretRef(ref)}`;
  const { rules } = policy;
  switch (ref.from) {
    case 'env':
      if (OWN_ENV.some((p) => p.test(ref.name)))
        return `${shown} is the agent's own credential and is never resolved`;
      if (rules === 'permissive' || rules.secrets.envPrefixes.some((prefix) => ref.name.startsWith(prefix)))
        return undefined;
      return `${shown} does not start with a prefix in policy.secrets.envPrefixes`;
    case 'file': {
      if (ref.path.includes('\0')) return `${shown} is not a file path`;
      const path = posix.normalize(ref.path);
      if (isOrUnder(path, ownCredentialFiles(env, policy.file)))
        return `${shown} is among the agent's own credentials and is never read`;
      if (
        rules === 'permissive' ||
        rules.secrets.fileFolders.some((f) => pathWithin(path, posix.normalize(f)))
      )
        return undefined;
      return `${shown} is not inside a folder in policy.secrets.fileFolders`;
    }
    case 'aws-secrets-manager':
      if (rules === 'permissive' || rules.secrets.secretsManagerArns.some((p) => globMatches(ref.arn, p)))
        return undefined;
      return `${shown} is not in policy.secrets.secretsManagerArns`;
  }
}

/** Said after a refusal when the agent runs with no policy file at all. */
export function noPolicyHint(policy: LoadedPolicy): string {
  return policy.file === undefined && policy.rules !== 'permissive'
    ? ' (this agent has no policy file, which allows nothing: start it with --policy <file> or FLOE_AGENT_POLICY)'
    : '';
}
