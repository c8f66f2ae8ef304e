import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitReportsSince } from '../contracts/reports';
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
    await db.agent.create({ data: { id: 'ag-2', organizationId: org.id, name: 'two' } });
    for (const [id, agentId] of [
      ['p-1', 'ag-1'],
      ['p-2', 'ag-2'],
    ] as const)
      await db.pipeline.create({
        data: { id, organizationId: org.id, name: id, status: 'RUNNING', agentId, currentVersion: 1 },
      });
  });

  const reportOf = (pipelineId: string, committedAtMs: number, newestCommittedRecordMs: number | null) => ({
    type: 'commit.report',
    pipelineId,
    table: 'sales.orders',
    snapshotId: '1',
    committedAtMs,
    records: 5,
    bytes: 1000,
    dataFiles: 1,
    deadLettered: 0,
    partitions: [
      { topic: 'orders', partition: 0, committedOffset: '5', logEndOffset: '9', newestCommittedRecordMs },
    ],
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
    const heartbeat = {
      type: 'heartbeat',
      agentVersion: '1.2.3',
      uptimeSeconds: 90,
      runningPipelines: ['p-1'],
    };
    // The agent's clock is an hour fast; its heartbeat (and its start, by its uptime) still count at our time.
    const batch = { protocolVersion: 1, sentAtMs: now.getTime() + 3_600_000, events: [report, heartbeat] };
    expect(await recordAgentEvents(db, agent, batch, now)).toEqual({
      accepted: 2,
      runningPipelines: ['p-1'],
    });

    const updated = await db.agent.findUniqueOrThrow({ where: { id: 'ag-1' }, include: { events: true } });
    expect(updated.lastHeartbeatAt).toEqual(now);
    expect(updated.version).toBe('1.2.3');
    expect(updated.startedAt).toEqual(new Date(now.getTime() - 90_000));
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

  it("refuses a report for another agent's pipeline, keeping the rest of the batch, and that pipeline's freshness sees nothing", async () => {
    const agent = await db.agent.findUniqueOrThrow({ where: { id: 'ag-1' } });
    const now = new Date('2026-11-26T12:00:00Z');
    const batch = {
      protocolVersion: 1,
      sentAtMs: now.getTime(),
      events: [
        reportOf('p-2', now.getTime(), now.getTime()),
        { type: 'metrics', pipelineId: 'p-2', recordsPerSecond: 1e9, lagRecords: '0' },
        { type: 'error', pipelineId: 'p-404', errorClass: 'Error', message: 'no such pipeline' },
        reportOf('p-1', now.getTime(), now.getTime() - 1000),
      ],
    };
    expect(await recordAgentEvents(db, agent, batch, now)).toEqual({
      accepted: 1,
      refused: [
        { index: 0, reason: 'pipeline p-2 is not assigned to this agent' },
        { index: 1, reason: 'pipeline p-2 is not assigned to this agent' },
        { index: 2, reason: 'pipeline p-404 is not assigned to this agent' },
      ],
      runningPipelines: undefined,
    });
    const org = await db.organization.findUniqueOrThrow({ where: { slug: 'acme' } });
    expect(await commitReportsSince(db, { id: 'p-2', organizationId: org.id }, new Date(0))).toEqual([]);
    expect(await db.agentEvent.count({ where: { payload: { path: ['pipelineId'], equals: 'p-2' } } })).toBe(
      0,
    );
  });

  it('bounds report times by our clock: a future commit, a record far ahead or beyond 2^53 ms neither fails the report nor makes it fresh', async () => {
    const agent = await db.agent.findUniqueOrThrow({ where: { id: 'ag-1' } });
    const now = new Date('2026-11-27T12:00:00Z');
    const at = now.getTime();
    const events = [
      reportOf('p-1', at + 86_400_000, at + 86_400_000),
      reportOf('p-1', at, 2 ** 60),
      reportOf('p-1', at, at + 60_000),
      reportOf('p-1', 2 ** 62, null),
    ];
    expect(
      await recordAgentEvents(db, agent, { protocolVersion: 1, sentAtMs: at, events }, now),
    ).toMatchObject({
      accepted: 4,
    });
    const stored = await db.agentEvent.findMany({ where: { type: 'commit.report', sentAt: now } });
    const times = stored
      .map((e) => {
        const p = e.payload as {
          committedAtMs: number;
          partitions: { newestCommittedRecordMs: number | null }[];
        };
        return [p.committedAtMs, p.partitions[0]?.newestCommittedRecordMs];
      })
      .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    // The commit an agent dates tomorrow happened by now, and its record's time, a day past our clock,
    // is unknown; so is 2^60. A record a minute after its commit (a producer's clock ahead) is the
    // commit's time.
    expect(times).toEqual([
      [at, at],
      [at, null],
      [at, null],
      [at, null],
    ]);
  });
});
