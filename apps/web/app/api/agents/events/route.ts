import { authenticateAgent, reconcileAgent, recordAgentEvents } from '@floe/api';
import { db } from '@floe/db';
import { ZodError } from 'zod';
import { redis } from '../../../../src/redis';

/** Agents report heartbeats and events here, with their API token as a bearer token. */
export async function POST(req: Request) {
  const token = req.headers.get('authorization')?.match(/^Bearer (\S+)$/)?.[1];
  const agent = token ? await authenticateAgent(db(), token) : null;
  if (!agent) return Response.json({ error: 'unknown, rotated or revoked agent token' }, { status: 401 });
  try {
    const recorded = await recordAgentEvents(db(), agent, await req.json());
    // A heartbeat says what the agent runs: the control plane re-sends what it should run (reconcile).
    if (recorded.runningPipelines !== undefined) {
      await reconcileAgent(db(), redis(), agent.id, recorded.runningPipelines);
    }
    return Response.json({
      accepted: recorded.accepted,
      ...(recorded.refused !== undefined && { refused: recorded.refused }),
    });
  } catch (error) {
    if (error instanceof ZodError || error instanceof SyntaxError) {
      const message =
        error instanceof ZodError
          ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
          : error.message;
      return Response.json({ error: message }, { status: 400 });
    }
    throw error;
  }
}
