import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAgentEvents } from './events';

describe('recording agent events (real Postgres)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    const org = await db.organization.create({ data: { slug: 'acme', name: 'Acme' } });
    await db.agent.create({ data: { id: 'ag-1', organizationId: org.id, name: 'one' } });
  });

  afterAll(async () => {
    await db?.$disconnect();
    await scratch?.drop();
  });

  it('keeps a commit report exactly (64-bit offsets too) and stamps the heartbeat with our clock', async () => {
    const agent = await db.agent.findUniqueOrThrow({ where: { id: 'ag-1' } });
    const now = new Date('2026-11-25T12:00:00Z');
    const report = {
      type: 'commit.report',
      pipelineId: 'p-1',
      table: 'sales.orders',
      snapshotId: '9223372036854775807',
      committedAtMs: now.getTime(),
      records: 5,
      bytes: 1000,
      dataFiles: 1,
      deadLettered: 0,
      partitions: [
        {
          topic: 'orders',
          partition: 0,
          committedOffset: '9007199254740993',
          logEndOffset: '9007199254740993',
          newestCommittedRecordMs: 1,
        },
      ],
    };
    const heartbeat = { type: 'heartbeat', agentVersion: '1.2.3', runningPipelines: ['p-1'] };
    // The agent's clock is an hour fast; its heartbeat still counts at our time.
    const batch = { protocolVersion: 1, sentAtMs: now.getTime() + 3_600_000, events: [report, heartbeat] };
    expect(await recordAgentEvents(db, agent, batch, now)).toEqual({
      accepted: 2,
      runningPipelines: ['p-1'],
    });

    const updated = await db.agent.findUniqueOrThrow({ where: { id: 'ag-1' }, include: { events: true } });
    expect(updated.lastHeartbeatAt).toEqual(now);
    expect(updated.version).toBe('1.2.3');
    expect(updated.events.map((e) => e.type)).toEqual(['commit.report']);
    expect(updated.events[0]?.payload).toEqual(report);
  });

  it('refuses a batch with an unknown event type and stores nothing of it', async () => {
    const agent = await db.agent.findUniqueOrThrow({ where: { id: 'ag-1' } });
    const before = await db.agentEvent.count();
    const batch = {
      protocolVersion: 1,
      sentAtMs: Date.now(),
      events: [{ type: 'record.dump', value: 'secret row' }],
    };
    await expect(recordAgentEvents(db, agent, batch)).rejects.toThrow();
    expect(await db.agentEvent.count()).toBe(before);
  });
});
