import type { Agent, PrismaClient } from '@floe/db';
import {
  AGENT_API_MAX_BODY_BYTES,
  type AgentApiEndpoint,
  API_TOKEN_PREFIX,
  JobLeaseError,
} from '@floe/protocol';
import type { z } from 'zod';
import { authenticateAgent } from '../enrollment';

/** A refused agent request: its HTTP status and one sentence for the agent's log. */
export class AgentApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AgentApiError';
  }
}

/** The active agent whose API token the request carries as its bearer token. */
export async function authenticated(db: PrismaClient, req: Request): Promise<Agent> {
  const token = req.headers.get('authorization')?.match(/^Bearer (\S+)$/)?.[1];
  if (token === undefined)
    throw new AgentApiError(401, `no agent token: send it as "Authorization: Bearer ${API_TOKEN_PREFIX}…"`);
  const agent = await authenticateAgent(db, token);
  if (!agent) throw new AgentApiError(401, 'unknown, rotated or revoked agent token');
  return agent;
}

/**
 * The request's JSON body, checked against the endpoint's schema. A body over the endpoint's limit is
 * refused as soon as it is seen to be (declared or read), before any of it is parsed.
 */
export async function body<T extends z.ZodType>(
  req: Request,
  endpoint: AgentApiEndpoint,
  schema: T,
): Promise<z.infer<T>> {
  const max = AGENT_API_MAX_BODY_BYTES[endpoint];
  const tooLarge = () => new AgentApiError(413, `request body over ${max} bytes, the limit of ${endpoint}`);
  if (Number(req.headers.get('content-length') ?? 0) > max) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body !== null) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new AgentApiError(400, `request body is not JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new AgentApiError(
      400,
      parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  return parsed.data;
}

/** Runs a handler and answers with its value as JSON, or with the reason it was refused. */
export async function respond(
  run: () => Promise<unknown>,
  headers: Record<string, string> = {},
): Promise<Response> {
  try {
    return Response.json(await run(), { headers: { 'Cache-Control': 'no-store', ...headers } });
  } catch (error) {
    if (error instanceof AgentApiError)
      return Response.json({ error: error.message }, { status: error.status });
    if (error instanceof JobLeaseError) return Response.json({ error: error.message }, { status: 409 });
    throw error;
  }
}
