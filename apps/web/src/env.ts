import { apiEnvShape } from '@floe/api';
import { authEnvShape, urlWith } from '@floe/auth';
import { z } from 'zod';

/**
 * Every variable the web app's server reads, its own and those of @floe/auth and @floe/api, checked
 * once as the server starts (instrumentation.ts): a missing or malformed one names itself there.
 */
const schema = z
  .object({
    ...authEnvShape,
    ...apiEnvShape,
    DATABASE_URL: urlWith('postgresql', 'postgres'),
    REDIS_URL: urlWith('redis', 'rediss'),
    /** bullmq gives each agent a Redis login: for a single-tenant install only. */
    FLOE_AGENT_TRANSPORT: z.enum(['https', 'bullmq']).default('https'),
    /** Where agents reach Redis under bullmq, when not at REDIS_URL's address. */
    FLOE_AGENT_REDIS_URL: urlWith('redis', 'rediss').optional(),
  })
  .superRefine((env, ctx) => {
    const oidc = ['FLOE_OIDC_ISSUER', 'FLOE_OIDC_CLIENT_ID', 'FLOE_OIDC_CLIENT_SECRET'] as const;
    const set = oidc.filter((name) => env[name] !== undefined);
    // Single sign-on needs all three; some of them is a mistake, not "no SSO".
    if (set.length > 0 && set.length < oidc.length)
      for (const name of oidc.filter((n) => env[n] === undefined))
        ctx.addIssue({ code: 'custom', path: [name], message: `must be set with ${set.join(' and ')}` });
  });

export type WebEnv = z.infer<typeof schema>;

/** Thrown with every bad or missing variable, each by name. */
export class WebEnvError extends Error {}

export function parseWebEnv(source: Record<string, string | undefined>): WebEnv {
  const result = schema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new WebEnvError(`the web app's environment is not usable: ${problems}`);
  }
  return result.data;
}

let parsed: WebEnv | undefined;

/** The web app's settings, parsed from the process's environment on first use (at boot). */
export function env(): WebEnv {
  parsed ??= parseWebEnv(process.env);
  return parsed;
}
