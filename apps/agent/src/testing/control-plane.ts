import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AgentApiRoutes, agentApiRoutes, createAgent, type TransportSetting } from '@floe/api';
import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { AGENT_API, type AgentApiEndpoint, type AgentEvent } from '@floe/protocol';
import { Redis } from 'ioredis';
import { enroll } from '../credentials';

const endpointAt = new Map<string, AgentApiEndpoint>(
  Object.entries(AGENT_API).map(([name, path]) => [path, name as AgentApiEndpoint]),
);

/**
 * The control plane's agent API on a loopback port, as apps/web serves it: its own handlers (the ones
 * the web app's routes call), a scratch database and the stack's Redis. `received` is every event it
 * was sent (recorded or refused).
 */
export async function startControlPlane(
  transport: TransportSetting = { transport: 'https' },
  env: NodeJS.ProcessEnv = process.env,
) {
  const scratch = await createScratchDatabase();
  scratch.migrate();
  const db: PrismaClient = createPrismaClient(scratch.url);
  const admin = new Redis(env.REDIS_URL as string, { maxRetriesPerRequest: null });
  const routes = agentApiRoutes({ db: () => db, redis: () => admin, transport: () => transport });
  const received: AgentEvent[] = [];
  const server = createServer((req, res) => {
    serve(routes, req, res, received).catch((error) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const org = await db.organization.create({ data: { slug: 'acme', name: 'Acme' } });
  return {
    url,
    db,
    admin,
    received,
    /** Registers an agent and enrolls it through the API, as `floe-agent start` does. */
    enroll: async (name: string) => enroll(url, (await createAgent(db, org.id, name)).installToken),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await routes.close();
      admin.disconnect();
      await db.$disconnect();
      await scratch.drop();
    },
  };
}

/** A Node request to the fetch-style handler of its endpoint, and its answer back. */
async function serve(
  routes: AgentApiRoutes,
  req: IncomingMessage,
  res: ServerResponse,
  received: AgentEvent[],
) {
  const endpoint = endpointAt.get(req.url ?? '');
  if (endpoint === undefined || req.method !== 'POST') return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  // A long poll the agent gave up on (it stopped) is abandoned, as Next does.
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers))
    if (typeof value === 'string') headers.set(key, value);
  const answer = await routes[endpoint](
    new Request(new URL(req.url as string, 'http://control-plane'), {
      method: 'POST',
      headers,
      body,
      signal: gone.signal,
    }),
  );
  if (endpoint === 'events' && answer.ok) received.push(...JSON.parse(body.toString('utf8')).events);
  res
    .writeHead(answer.status, Object.fromEntries(answer.headers))
    .end(Buffer.from(await answer.arrayBuffer()));
}
