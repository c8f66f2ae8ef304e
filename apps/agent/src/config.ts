import { API_TOKEN_PREFIX, INSTALL_TOKEN_PREFIX } from '@floe/protocol';
import { z } from 'zod';

const httpUrl = z
  .string()
  .refine(
    (v) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol),
    'must be an http(s) URL',
  );

/**
 * Every variable the agent reads as a setting, checked once as the CLI starts (cli.ts): a malformed
 * one stops the agent at once, by name. An empty value counts as unset (what a chart renders for
 * a value left out). Secret references (`env:NAME`) read the environment as a secret store, by the
 * names a policy allows, and are not settings.
 */
const schema = z.object({
  /** Instead of --control-plane. */
  FLOE_CONTROL_PLANE: httpUrl.optional(),
  /** Instead of --token. */
  FLOE_TOKEN: z
    .string()
    .refine(
      (t) => t.startsWith(INSTALL_TOKEN_PREFIX) || t.startsWith(API_TOKEN_PREFIX),
      `must be a Floe install token (${INSTALL_TOKEN_PREFIX}…) or API token (${API_TOKEN_PREFIX}…)`,
    )
    .optional(),
  /** Instead of --policy. */
  FLOE_AGENT_POLICY: z.string().optional(),
  /** Where the agent keeps its credentials (default ~/.floe-agent). */
  FLOE_AGENT_STATE_DIR: z.string().optional(),
  /**
   * How long Kafka waits for a silent pipeline before giving its partitions to another agent (default
   * 30 s). Shorter hands over faster after a crash; the broker only accepts 6 s to 30 min by default.
   */
  FLOE_KAFKA_SESSION_TIMEOUT_MS: z.coerce
    .number()
    .int('must be a whole number of milliseconds')
    .min(6_000, 'must be at least 6000 (the broker refuses less by default)')
    .max(1_800_000, 'must be at most 1800000 (the broker refuses more by default)')
    .optional(),
  /**
   * The AWS SDK's own names, which the agent also reads: the region connection tests ask STS in, and
   * non-default endpoints (VPC endpoints, a local stand-in) for STS, Glue and S3, or all of them.
   */
  AWS_REGION: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().optional(),
  AWS_ENDPOINT_URL: httpUrl.optional(),
  AWS_ENDPOINT_URL_STS: httpUrl.optional(),
  AWS_ENDPOINT_URL_GLUE: httpUrl.optional(),
  AWS_ENDPOINT_URL_S3: httpUrl.optional(),
});

export type AgentEnv = z.infer<typeof schema>;

/** The AWS settings connection tests and role assumption read. */
export type AwsSettings = Pick<
  AgentEnv,
  | 'AWS_REGION'
  | 'AWS_DEFAULT_REGION'
  | 'AWS_ENDPOINT_URL'
  | 'AWS_ENDPOINT_URL_STS'
  | 'AWS_ENDPOINT_URL_GLUE'
  | 'AWS_ENDPOINT_URL_S3'
>;

/** Thrown with every malformed variable, each by name. */
export class AgentEnvError extends Error {}

export function parseAgentEnv(source: Record<string, string | undefined>): AgentEnv {
  const settings = Object.fromEntries(
    Object.keys(schema.shape).map((name) => [name, source[name] === '' ? undefined : source[name]]),
  );
  const result = schema.safeParse(settings);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AgentEnvError(`the agent's environment is not usable: ${problems}`);
  }
  return result.data;
}

/**
 * The agent's settings as the environment holds them now, through the rules the CLI checked at start
 * (in-process tests change some between cases, so this is not kept).
 */
export function agentEnv(): AgentEnv {
  return parseAgentEnv(process.env);
}
