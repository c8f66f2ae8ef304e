import { readFile } from 'node:fs/promises';
import type { SecretRef } from '@floe/protocol';

/**
 * Resolves a secret reference where the agent runs (the control plane only ever holds the reference).
 * Errors name the reference, never a value.
 */
export async function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  switch (ref.from) {
    case 'env': {
      const value = env[ref.name];
      if (value === undefined)
        throw new Error(`the secret reference env:${ref.name} is not set on the agent`);
      return value;
    }
    case 'file':
      try {
        return (await readFile(ref.path, 'utf8')).trimEnd();
      } catch (error) {
        throw new Error(
          `the secret reference file:${ref.path} cannot be read (${(error as NodeJS.ErrnoException).code})`,
        );
      }
    default:
      throw new Error(`secret references from ${ref.from} are not resolved by this agent version`);
  }
}
