import { EnrollmentError, enrollAgent } from '@floe/api';
import { db } from '@floe/db';
import { z } from 'zod';
import { redis } from '../../../../src/redis';

const body = z.object({
  installToken: z.string().startsWith('floe_it_', 'must be a Floe install token (floe_it_…)'),
});

/**
 * An agent exchanges its one-time install token for its own credentials (API token, Redis ACL
 * user). The only unauthenticated agent endpoint; the token is the authentication.
 */
export async function POST(req: Request) {
  const parsed = body.safeParse(await req.json().catch(() => null));
  if (!parsed.success) {
    return Response.json(
      { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') },
      { status: 400 },
    );
  }
  try {
    const credentials = await enrollAgent(db(), redis(), parsed.data.installToken);
    const redisUrl = { ...credentials.redis, url: agentRedisEndpoint() };
    return Response.json({ ...credentials, redis: redisUrl }, { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    if (error instanceof EnrollmentError) return Response.json({ error: error.message }, { status: 401 });
    throw error;
  }
}

/** Where agents reach Redis: FLOE_AGENT_REDIS_URL, or the control plane's own address without its credentials. */
function agentRedisEndpoint(): string {
  const url = new URL(process.env.FLOE_AGENT_REDIS_URL ?? (process.env.REDIS_URL as string));
  url.username = '';
  url.password = '';
  return url.toString();
}
