import { z } from 'zod';
import { API_TOKEN_PREFIX, INSTALL_TOKEN_PREFIX } from './agent-api';

/**
 * Where a secret lives in the customer's account. Floe stores only this reference; the agent
 * resolves it where it runs. A value that looks like the secret itself is refused.
 */
export const secretRefSchema = z.discriminatedUnion('from', [
  z.object({
    from: z.literal('env'),
    name: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name, like KAFKA_PASSWORD'),
  }),
  z.object({
    from: z.literal('file'),
    path: z.string().startsWith('/', 'an absolute path, like /var/run/secrets/kafka'),
  }),
  z.object({
    from: z.literal('aws-secrets-manager'),
    arn: z.string().regex(/^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+$/, 'a Secrets Manager ARN'),
    jsonKey: z.string().optional(),
  }),
]);

export type SecretRef = z.infer<typeof secretRefSchema>;

// Shapes of credentials that must never be typed where a reference belongs.
const RAW_SECRET_PATTERNS: [RegExp, string][] = [
  [/^(AKIA|ASIA)[A-Z0-9]{16}$/, 'an AWS access key id'],
  [/^[A-Za-z0-9/+=]{40}$/, 'an AWS secret access key'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [new RegExp(`^(${API_TOKEN_PREFIX}|${INSTALL_TOKEN_PREFIX})`), 'a Floe token'],
  [/^(xox[abpr]-|ghp_|glpat-|sk_live_)/, 'an API token'],
];

/** Names what a string looks like if it looks like a raw secret, else null. */
export function looksLikeRawSecret(value: string): string | null {
  for (const [pattern, what] of RAW_SECRET_PATTERNS) if (pattern.test(value.trim())) return what;
  return null;
}

/**
 * Reads the one-line form of a reference: `env:NAME`, `file:/path`, or a Secrets Manager ARN
 * (optionally `#jsonKey`). Throws a message for the form when the text is none of these.
 */
export function parseSecretRef(text: string): SecretRef {
  const value = text.trim();
  const raw = looksLikeRawSecret(value);
  if (raw)
    throw new Error(
      `this looks like ${raw}: store it in your account and enter a reference (env:NAME, file:/path or a Secrets Manager ARN)`,
    );
  let candidate: unknown;
  if (value.startsWith('env:')) candidate = { from: 'env', name: value.slice(4) };
  else if (value.startsWith('file:')) candidate = { from: 'file', path: value.slice(5) };
  else if (value.startsWith('arn:')) {
    const [arn, jsonKey] = value.split('#');
    candidate = { from: 'aws-secrets-manager', arn, ...(jsonKey ? { jsonKey } : {}) };
  } else throw new Error('enter a reference: env:NAME, file:/path or a Secrets Manager ARN');
  const parsed = secretRefSchema.safeParse(candidate);
  if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'not a valid reference');
  return parsed.data;
}

/** The one-line form of a reference, as `parseSecretRef` reads it. */
export function formatSecretRef(ref: SecretRef): string {
  if (ref.from === 'env') return `env:${ref.name}`;
  if (ref.from === 'file') return `file:${ref.path}`;
  return ref.jsonKey ? `${ref.arn}#${ref.jsonKey}` : ref.arn;
}
