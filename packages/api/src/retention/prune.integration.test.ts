import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneOldRows, retentionDaysOf } from './prune';

const DAY_MS = 86_400_000;

describe('retention of agent events and sign-in attempts', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
  });

  afterAll(async () => {
    await db?.$disconnect();
    await scratch?.drop();
  });

  it('deletes events older than the retention, in batches, and keeps the rest', async () => {
    const now = new Date();
    const org = await db.organization.create({ data: { slug: 'acme', name: 'Acme' } });
    await db.agent.create({ data: { id: 'ag-1', organizationId: org.id, name: 'a' } });
    const at = (days: number) => new Date(now.getTime() - days * DAY_MS);
    const event = (receivedAt: Date) => ({
      agentId: 'ag-1',
      type: 'metrics',
      payload: {},
      sentAt: receivedAt,
      receivedAt,
    });
    // More old rows than one batch deletes.
    await db.agentEvent.createMany({ data: Array.from({ length: 12_000 }, () => event(at(31))) });
    await db.agentEvent.createMany({ data: Array.from({ length: 10 }, () => event(at(29))) });
    await db.signInAttempt.createMany({
      data: [
        { email: 'a@example.com', succeeded: true, createdAt: at(91) },
        { email: 'a@example.com', succeeded: true, createdAt: at(89) },
      ],
    });

    expect(await pruneOldRows(db, 30, now)).toEqual({ agentEvents: 12_000, signInAttempts: 1 });
    expect(await db.agentEvent.count()).toBe(10);
    expect(await db.signInAttempt.count()).toBe(1);
    expect(await pruneOldRows(db, 30, now)).toEqual({ agentEvents: 0, signInAttempts: 0 });
  });

  it('takes the retention from FLOE_RETENTION_DAYS, 30 days unless set', () => {
    expect(retentionDaysOf({ NODE_ENV: 'test' })).toBe(30);
    expect(retentionDaysOf({ NODE_ENV: 'test', FLOE_RETENTION_DAYS: '7' })).toBe(7);
    expect(() => retentionDaysOf({ NODE_ENV: 'test', FLOE_RETENTION_DAYS: '0.5' })).toThrow(
      /FLOE_RETENTION_DAYS/,
    );
  });
});
