import { AGENT_RELEASE } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFleet } from '../testing/fleet';
import { scratchOrganization } from '../testing/scratch-organization';

describe('fleet.overview', () => {
  let s: Awaited<ReturnType<typeof scratchOrganization>>;
  const now = Date.now();
  const MINUTE = 60_000;

  beforeAll(async () => {
    s = await scratchOrganization({ 'viewer@acme.test': 'VIEWER', 'outsider@acme.test': null });
    await seedFleet(s.db, s.org.id, s.ids['viewer@acme.test'] as string, { now });
  });

  afterAll(() => s?.close());

  it('gives each pipeline its state, freshness against its SLO, rate, lag and incidents', async () => {
    const { pipelines } = await s.as('viewer@acme.test').fleet.overview({ orgSlug: 'acme' });
    const byName = Object.fromEntries(pipelines.map((p) => [p.name, p]));
    expect(Object.fromEntries(pipelines.map((p) => [p.name, p.state]))).toEqual({
      breaching: 'breaching',
      failing: 'failing',
      healthy: 'healthy',
      late: 'late',
      paused: 'paused',
    });
    expect(byName.healthy).toMatchObject({
      sloMinutes: 5,
      recordsPerSecond: 250,
      lagRecords: 12,
      lastCommitAtMs: now - MINUTE,
      lastError: null,
      openIncidents: 0,
    });
    expect(byName.late?.freshnessSeconds).toBeGreaterThanOrEqual(20 * 60);
    expect(byName.breaching).toMatchObject({ openIncidents: 1, compliancePercent: 0 });
    expect(byName.failing).toMatchObject({
      sloMinutes: null,
      lastError: { text: 'catalog: catalog unreachable' },
    });
    expect(byName.paused).toMatchObject({ freshnessSeconds: null, lastCommitAtMs: null });
  });

  it("gives each pipeline its running compaction's step and how the last one ended", async () => {
    const { pipelines } = await s.as('viewer@acme.test').fleet.overview({ orgSlug: 'acme' });
    const byName = Object.fromEntries(pipelines.map((p) => [p.name, p.compaction]));
    expect(byName.healthy).toEqual({
      running: {
        status: 'RUNNING',
        sentAtMs: now - 2 * MINUTE,
        startedAtMs: now - 2 * MINUTE,
        fraction: 0.5,
        step: 'step 2 of 2: rewriting manifests (data files: 40 → 2 files)',
      },
      last: {
        status: 'FINISHED',
        finishedAtMs: now - 30 * MINUTE,
        result: { filesOutcome: 'rewritten', filesBefore: 57, filesAfter: 3, bytesRewritten: 52_428_800 },
        error: null,
      },
    });
    expect(byName.failing).toEqual({
      running: null,
      last: {
        status: 'FAILED',
        finishedAtMs: now - 3 * MINUTE,
        result: null,
        error: 'CommitFailedException: the table changed under it 8 times',
      },
    });
    expect(byName.late).toEqual({ running: null, last: null });
  });

  it('lists the agents with their version, uptime, pipelines, whether they are online and can be upgraded', async () => {
    const { agents, agentRelease } = await s.as('viewer@acme.test').fleet.overview({ orgSlug: 'acme' });
    expect(agentRelease).toBe(AGENT_RELEASE);
    const healthy = agents.find((a) => a.id === 'ag-pl-healthy');
    expect(healthy).toMatchObject({
      status: 'online',
      version: AGENT_RELEASE,
      upgradeAvailable: false,
      pipelines: 1,
      lastError: null,
    });
    expect(healthy?.uptimeSeconds).toBeGreaterThanOrEqual(2 * 3600);
    expect(healthy?.uptimeSeconds).toBeLessThan(2 * 3600 + 60);
    // Offline: no uptime, whatever it last reported; its old version still wants an upgrade.
    expect(agents.find((a) => a.id === 'ag-pl-late')).toMatchObject({
      status: 'offline',
      version: '0.0.1',
      upgradeAvailable: true,
      uptimeSeconds: null,
    });
    expect(agents.find((a) => a.id === 'ag-pl-failing')).toMatchObject({
      status: 'awaiting-install',
      version: null,
      upgradeAvailable: null,
      uptimeSeconds: null,
      lastError: { text: 'catalog: catalog unreachable' },
    });
  });

  it("sums a pool's members' newest rates and lags, leaving out a member that stopped reporting", async () => {
    const { db } = s;
    const pool = await db.agentPool.create({ data: { id: 'ap-ovw', organizationId: s.org.id, name: 'ovw' } });
    await db.pipeline.create({
      data: {
        id: 'pl-pooled',
        organizationId: s.org.id,
        name: 'pooled',
        status: 'RUNNING',
        poolId: pool.id,
        currentVersion: 1,
      },
    });
    const readings = [
      ['ag-ovw-1', 10_000, 100, 5],
      ['ag-ovw-2', 15_000, 50, 7],
      // A member killed two minutes ago: its last reading is no one's lag now.
      ['ag-ovw-3', 120_000, 999, 999],
    ] as const;
    for (const [id, msAgo, rate, lag] of readings) {
      await db.agent.create({ data: { id, organizationId: s.org.id, name: id, poolId: pool.id } });
      await db.agentEvent.create({
        data: {
          agentId: id,
          type: 'metrics',
          sentAt: new Date(now - msAgo),
          receivedAt: new Date(now - msAgo),
          payload: {
            type: 'metrics',
            pipelineId: 'pl-pooled',
            recordsPerSecond: rate,
            lagRecords: String(lag),
          },
        },
      });
    }
    const { pipelines } = await s.as('viewer@acme.test').fleet.overview({ orgSlug: 'acme' });
    expect(pipelines.find((p) => p.name === 'pooled')).toMatchObject({
      agentName: 'ovw',
      recordsPerSecond: 150,
      lagRecords: 12,
    });
  });

  it('hides the organization from a non-member', async () => {
    await expect(s.as('outsider@acme.test').fleet.overview({ orgSlug: 'acme' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
