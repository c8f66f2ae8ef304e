import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_POINTS, METRICS_WINDOW_MS, pipelineMetrics } from './metrics';

// Against a scratch Postgres database: the agent events as the control plane stores them.
describe('pipeline metrics over the last 24 hours', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;
  const now = new Date('2026-12-03T12:00:00Z');
  const at = (msAgo: number) => new Date(now.getTime() - msAgo);
  let n = 0;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    const org = await db.organization.create({ data: { slug: 'acme', name: 'Acme' } });
    for (const id of ['ag-busy', 'ag-quiet', 'ag-m1', 'ag-m2'])
      await db.agent.create({ data: { id, organizationId: org.id, name: id } });
  });

  afterAll(async () => {
    await db?.$disconnect();
    await scratch?.drop();
  });

  const commit = (agentId: string, pipelineId: string, msAgo: number, records: number) => {
    n += 1;
    return {
      agentId,
      type: 'commit.report',
      sentAt: at(msAgo),
      receivedAt: at(msAgo),
      payload: {
        type: 'commit.report',
        pipelineId,
        table: 'sales.orders',
        snapshotId: String(n),
        committedAtMs: at(msAgo).getTime(),
        records,
        bytes: records * 10,
        dataFiles: 1,
        deadLettered: n % 7 === 0 ? 1 : 0,
        partitions: [],
      },
    };
  };

  it('downsamples a busy day into even buckets that reach its newest commit, and totals it all', async () => {
    // A commit every 12 s for a day (7,200: more than the old 5,000-row cut), and some older ones.
    const step = 12_000;
    const day = Array.from({ length: METRICS_WINDOW_MS / step }, (_, i) =>
      commit('ag-busy', 'pl-busy', 1000 + i * step, 1 + (i % 10)),
    );
    const older = [1, 2, 3].map((h) => commit('ag-busy', 'pl-busy', METRICS_WINDOW_MS + h * 3_600_000, 999));
    const rates = Array.from({ length: 9000 }, (_, i) => ({
      agentId: 'ag-busy',
      type: 'metrics',
      sentAt: at(500 + i * 9000),
      receivedAt: at(500 + i * 9000),
      payload: { type: 'metrics', pipelineId: 'pl-busy', recordsPerSecond: 100, lagRecords: String(i) },
    }));
    await db.agentEvent.createMany({ data: [...day, ...older, ...rates] });

    const m = await pipelineMetrics(db, { id: 'pl-busy', agentIds: ['ag-busy'] }, now);
    const records = day.reduce((s, c) => s + c.payload.records, 0);
    const deadLettered = day.reduce((s, c) => s + c.payload.deadLettered, 0);
    expect(m.totals).toEqual({ commits: day.length, records, deadLettered });
    expect(m.commits.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(m.commits.length).toBeGreaterThan(MAX_POINTS - 5);
    expect(m.commits.reduce((s, c) => s + c.commits, 0)).toBe(day.length);
    expect(m.commits.reduce((s, c) => s + c.records, 0)).toBe(records);
    // The newest commit is there, in the last point; the oldest point is a day old, not older.
    expect(m.commits.at(-1)?.atMs).toBe(at(1000).getTime());
    expect(m.commits[0]?.atMs).toBeGreaterThanOrEqual(at(METRICS_WINDOW_MS).getTime());
    const times = m.commits.map((c) => c.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // Throughput readings: about a day of them in the window, the newest lag last.
    expect(m.rates.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(m.rates.at(-1)).toEqual({ atMs: at(500).getTime(), recordsPerSecond: 100, lagRecords: 0 });
  });

  it("a quiet pipeline's commits each stay a point of their own; errors are the newest twenty, in order", async () => {
    const commits = Array.from({ length: 30 }, (_, i) =>
      commit('ag-quiet', 'pl-quiet', 60_000 * (30 - i), 5),
    );
    const errors = Array.from({ length: 30 }, (_, i) => ({
      agentId: 'ag-quiet',
      type: 'error',
      sentAt: at(1000 * (30 - i)),
      receivedAt: at(1000 * (30 - i)),
      payload: { type: 'error', pipelineId: 'pl-quiet', errorClass: 'E', message: `error ${i}` },
    }));
    await db.agentEvent.createMany({ data: [...commits, ...errors] });
    const m = await pipelineMetrics(db, { id: 'pl-quiet', agentIds: ['ag-quiet'] }, now);
    expect(m.commits).toHaveLength(30);
    expect(m.commits.every((c) => c.commits === 1 && c.records === 5)).toBe(true);
    expect(m.commits.map((c) => c.atMs)).toEqual(commits.map((c) => c.payload.committedAtMs));
    expect(m.errors.map((e) => e.message)).toEqual(Array.from({ length: 20 }, (_, i) => `error ${i + 10}`));
    expect(m.rates).toEqual([]);
  });

  it("sums a pool's members: each member's reading of a heartbeat, its partitions being its own", async () => {
    const reading = (agentId: string, msAgo: number, rate: number, lag: number) => ({
      agentId,
      type: 'metrics',
      sentAt: at(msAgo),
      receivedAt: at(msAgo),
      payload: { type: 'metrics', pipelineId: 'pl-pool', recordsPerSecond: rate, lagRecords: String(lag) },
    });
    // One heartbeat (10 s) each, in the same 10 s; m1 read twice there: its rates averaged, its newest lag.
    await db.agentEvent.createMany({
      data: [
        reading('ag-m1', 9_000, 10, 9),
        reading('ag-m1', 4_000, 20, 4),
        reading('ag-m2', 500, 30, 6),
        reading('ag-m2', 12_000, 99, 99),
      ],
    });
    const m = await pipelineMetrics(db, { id: 'pl-pool', agentIds: ['ag-m1', 'ag-m2'] }, now);
    expect(m.rates).toEqual([
      { atMs: at(12_000).getTime(), recordsPerSecond: 99, lagRecords: 99 },
      { atMs: at(500).getTime(), recordsPerSecond: 45, lagRecords: 10 },
    ]);
  });
});
