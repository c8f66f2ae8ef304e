import { readFile, realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import type { SecretRef } from '@floe/protocol';
import { checkSecretRef, isOrUnder, noPolicyHint, ownCredentialFiles } from './policy/check-secret';
import type { LoadedPolicy } from './policy/load-policy';
import { pathWithin } from './policy/match';
import { PolicyError } from './policy/policy-error';
import { agentRedactor, type Redactor } from './policy/redact';

/**
 * Resolves secret references where the agent runs (the control plane only ever holds the reference),
 * and only those the agent's policy allows. Every value it hands out is registered with the redactor,
 * so that it is cut out of anything the agent sends back or logs. Errors name the reference, never a
 * value.
 */
export class SecretResolver {
  constructor(
    private readonly policy: LoadedPolicy,
    readonly redactor: Redactor = agentRedactor,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** For passing as a callback: `host.resolveSecret = resolver.resolve`. */
  readonly resolve = async (ref: SecretRef): Promise<string> => {
    checkSecretRef(ref, this.policy, this.env);
    switch (ref.from) {
      case 'env': {
        const value = this.env[ref.name];
        if (value === undefined)
          throw new Error(`the secret reference env:${ref.name} is not set on the agent`);
        return this.redactor.add(value);
      }
      case 'file': {
        const path = await this.realFile(ref.path);
        try {
          return this.redactor.add((await readFile(path, 'utf8')).trimEnd());
        } catch (error) {
          throw new Error(
            `the secret reference file:${ref.path} cannot be read (${(error as NodeJS.ErrnoException).code})`,
          );
        }
      }
      default:
        throw new Error(`secret references from ${ref.from} are not resolved by this agent version`);
    }
  };

  /** Where a file reference really leads (links followed), checked against the policy once more. */
  private async realFile(path: string): Promise<string> {
    let real: string;
    try {
      real = await realpath(posix.normalize(path));
    } catch (error) {
      throw new Error(
        `the secret reference file:${path} cannot be read (${(error as NodeJS.ErrnoException).code})`,
      );
    }
    const own = await Promise.all(ownCredentialFiles(this.env, this.policy.file).map(realOrAsIs));
    if (isOrUnder(real, own))
      throw new PolicyError(
        `policy: secret file:${path} leads to the agent's own credentials and is never read`,
      );
    const { rules } = this.policy;
    if (rules === 'permissive') return real;
    const folders = await Promise.all(rules.secrets.fileFolders.map(realOrAsIs));
    if (!folders.some((folder) => pathWithin(real, folder)))
      throw new PolicyError(
        `policy: secret file:${path} leads outside every folder in policy.secrets.fileFolders${noPolicyHint(this.policy)}`,
      );
    return real;
  }
}

const realOrAsIs = (path: string) => realpath(path).catch(() => posix.normalize(path));
