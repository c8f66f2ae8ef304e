import { readFile, realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretRef } from '@floe/protocol';
import { awsFailure } from './aws-failure';
import { checkSecretRef, isOrUnder, noPolicyHint, ownCredentialFiles } from './policy/check-secret';
import type { LoadedPolicy } from './policy/load-policy';
import { pathWithin } from './policy/match';
import { PolicyError } from './policy/policy-error';
import { agentRedactor, type Redactor } from './policy/redact';

type SecretsManagerRef = Extract<SecretRef, { from: 'aws-secrets-manager' }>;

/** How long a Secrets Manager value is used before it is read again (so a rotation is picked up). */
export const SECRETS_MANAGER_CACHE_MS = 5 * 60_000;

export interface SecretResolverOptions {
  /** How long a Secrets Manager value is kept; default SECRETS_MANAGER_CACHE_MS. */
  cacheMs?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /**
   * The Secrets Manager client for a region (the secret's, from its ARN). Default: one client per
   * region with the agent's own AWS identity (the SDK's chain: IRSA, instance role, environment),
   * at AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL when set (a VPC endpoint, a local stand-in).
   */
  secretsManager?: (region: string) => SecretsManagerClient;
}

/**
 * Resolves secret references where the agent runs (the control plane only ever holds the reference),
 * and only those the agent's policy allows. Every value it hands out is registered with the redactor,
 * so that it is cut out of anything the agent sends back or logs. Errors name the reference, never a
 * value. Secrets Manager values are kept for a few minutes (one GetSecretValue per secret, whatever
 * its JSON keys), then read again.
 */
export class SecretResolver {
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly secretsManager: (region: string) => SecretsManagerClient;
  private readonly clients = new Map<string, SecretsManagerClient>();
  private readonly cached = new Map<string, { text: string; expiresAt: number }>();
  private readonly reading = new Map<string, Promise<string>>();

  constructor(
    private readonly policy: LoadedPolicy,
    readonly redactor: Redactor = agentRedactor,
    private readonly env: NodeJS.ProcessEnv = process.env,
    options: SecretResolverOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? SECRETS_MANAGER_CACHE_MS;
    this.now = options.now ?? Date.now;
    this.secretsManager = options.secretsManager ?? ((region) => this.defaultClient(region));
  }

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
      case 'aws-secrets-manager': {
        // The whole secret is a secret too (a JSON one holds more than the key asked for).
        const text = this.redactor.add(await this.secretsManagerText(ref.arn));
        return ref.jsonKey === undefined ? text : this.redactor.add(jsonField(ref, text));
      }
      default:
        throw new Error(
          `secret references from ${(ref as SecretRef).from} are not resolved by this agent version`,
        );
    }
  };

  /** Releases the Secrets Manager clients' sockets (the cache stays). */
  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  /** The secret's text, from the cache while it is fresh; callers at the same moment share one call. */
  private async secretsManagerText(arn: string): Promise<string> {
    const hit = this.cached.get(arn);
    if (hit && hit.expiresAt > this.now()) return hit.text;
    let pending = this.reading.get(arn);
    if (!pending) {
      pending = this.getSecretValue(arn)
        .then((text) => {
          this.cached.set(arn, { text, expiresAt: this.now() + this.cacheMs });
          return text;
        })
        .finally(() => this.reading.delete(arn));
      this.reading.set(arn, pending);
    }
    return pending;
  }

  private async getSecretValue(arn: string): Promise<string> {
    const region = arn.split(':')[3] as string;
    let answer: GetSecretValueCommandOutput;
    try {
      answer = await this.secretsManager(region).send(new GetSecretValueCommand({ SecretId: arn }));
    } catch (error) {
      throw secretsManagerError(arn, error);
    }
    const { SecretString, SecretBinary } = answer;
    if (SecretString !== undefined) return SecretString;
    if (SecretBinary !== undefined) return Buffer.from(SecretBinary).toString('utf8');
    throw new Error(`the secret reference ${arn} has no value in Secrets Manager (no current version)`);
  }

  private defaultClient(region: string): SecretsManagerClient {
    let client = this.clients.get(region);
    if (!client) {
      const endpoint = this.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? this.env.AWS_ENDPOINT_URL;
      client = new SecretsManagerClient({
        region,
        ...(endpoint !== undefined && { endpoint }),
        maxAttempts: 2,
      });
      this.clients.set(region, client);
    }
    return client;
  }

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

/** The value under the reference's key of a JSON secret (a string as is, a number or object as JSON). */
function jsonField(ref: SecretsManagerRef, text: string): string {
  const shown = `${ref.arn}#${ref.jsonKey}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`the secret reference ${shown} names a key, but the secret is not JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error(`the secret reference ${shown} names a key, but the secret is not a JSON object`);
  const value = (parsed as Record<string, unknown>)[ref.jsonKey as string];
  if (value === undefined || value === null) {
    const keys = Object.keys(parsed).slice(0, 20).join(', ');
    throw new Error(`the secret ${ref.arn} has no key ${ref.jsonKey} (its keys: ${keys || 'none'})`);
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What Secrets Manager (or the SDK) said, turned into a message naming the ARN (AWS never puts values in them). */
function secretsManagerError(arn: string, error: unknown): Error {
  const { name, said } = awsFailure(error);
  const options = { cause: error };
  switch (name) {
    case 'ResourceNotFoundException':
      return new Error(`the secret reference ${arn} does not exist in Secrets Manager (${said})`, options);
    case 'AccessDeniedException':
    case 'AccessDenied':
      return new Error(
        `the agent's AWS identity may not read the secret ${arn} (it needs secretsmanager:GetSecretValue, and kms:Decrypt for its key): ${said}`,
        options,
      );
    case 'DecryptionFailure':
      return new Error(
        `the secret ${arn} cannot be decrypted with its KMS key by the agent (${said})`,
        options,
      );
    case 'CredentialsProviderError':
      return new Error(
        `the agent has no AWS credentials to read the secret ${arn} (an instance role, IRSA, or AWS_* variables): ${said}`,
        options,
      );
    default:
      return new Error(`cannot read the secret ${arn} from Secrets Manager (${said})`, options);
  }
}
