import { appRouter } from '@floe/api';
import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPC_MAX_BATCH_SIZE } from './trpc/batch';

describe('a batched tRPC request cannot buy minutes of CPU', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    await db.user.create({ data: { email: 'taken@example.com', passwordHash: 'x' } });
  });

  afterAll(async () => {
    await db?.$disconnect();
    await scratch?.drop();
  });

  // The handler as apps/web/app/api/trpc serves it, without the session lookup (nobody is signed in).
  const send = (calls: number, email: string) => {
    const input = { json: { name: 'M', email, password: 'a long enough password', organization: 'Org' } };
    const body = Object.fromEntries(Array.from({ length: calls }, (_, i) => [i, input]));
    const path = Array.from({ length: calls }, () => 'account.signUp').join(',');
    return fetchRequestHandler({
      endpoint: '/api/trpc',
      req: new Request(`http://floe.test/api/trpc/${path}?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
      router: appRouter,
      maxBatchSize: TRPC_MAX_BATCH_SIZE,
      createContext: async () => ({ db, session: null }),
    });
  };

  it('refuses a batch of 300 sign-ups outright', async () => {
    const response = await send(300, 'new@example.com');
    expect(response.status).toBe(400);
    expect(await db.user.count({ where: { email: 'new@example.com' } })).toBe(0);
  });

  it('answers a full batch of sign-ups for a taken address without hashing a password', async () => {
    const started = performance.now();
    const response = await send(TRPC_MAX_BATCH_SIZE, 'taken@example.com');
    const elapsedMs = performance.now() - started;
    const results = (await response.json()) as { error?: { json: { data: { code: string } } } }[];
    expect(results.map((r) => r.error?.json.data.code)).toEqual(Array(TRPC_MAX_BATCH_SIZE).fill('CONFLICT'));
    // One bcrypt hash at cost 12 takes ~250 ms here; twenty would take seconds.
    expect(elapsedMs).toBeLessThan(1500);
  });
});
