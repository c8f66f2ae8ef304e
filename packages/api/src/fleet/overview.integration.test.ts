import { DAY_MS, dayStartOf } from '@floe/contracts';
import { AGENT_RELEASE } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleContract, seedPipeline } from '../testing/contracted-pipeline';
import { scratchOrganization } from '../testing/scratch-organization';

const MINUTE = 60_000;

/** A commit report whose one partition is `behind` records behind, its newest record `newestMs`. */
const commitReport = (pipelineId: string, atMs: number, newestMs: number, behind = 0) => ({
  type: 'commit.report',
  pipelineId,
  table: 'sales.orders',
  snapshotId: String(atMs),
  committedAtMs: atMs,
  records: 10,
  bytes: 1000,
  dataFiles: 1,
  deadLettered: 0,
  partitions: [
    {
      topic: 'orders.v1',
      partition: 0,
      committedOffset: '100',
      logEndOffset: String(100 + behind),
      newestCommittedRecordMs: newestMs,
    },
  ],
});

describe('fleet.overview', () => {
  let s: Awaited<ReturnType<typeof scratchOrganization>>;
  const now = Date.now();

  beforeAll(async () => {
    s = await scratchOrganization({ 'viewer@acme.test': 'VIEWER', 'outsider@acme.test': null });
    const by = s.ids['viewer@acme.test'] as string;
    const event = (agentId: string, payload: object, atMs: number) =>
      s.db.agentEvent.create({
        data: {
          agentId,
          type: (payload as { type: string }).type,
          payload,
          sentAt: new Date(atMs),
          receivedAt: new Date(atMs),
        },
      });
    const contract = (pipelineId: string) =>
      s.db.contract.create({
        data: {
          pipelineId,
          currentVersion: 1,
          versions: { create: { version: 1, body: exampleContract as object, createdById: by } },
        },
      });

    const healthy = await seedPipeline(s.db, s.org.id, by, { id: 'pl-healthy', name: 'healthy' });
    await contract(healthy.pipelineId);
    await event(healthy.agentId, commitReport('pl-healthy', now - MINUTE, now - MINUTE), now - MINUTE);
    await event(
      healthy.agentId,
      { type: 'metrics', pipelineId: 'pl-healthy', recordsPerSecond: 250, lagRecords: '12' },
      now - 10_000,
    );
    await s.db.agent.update({
      where: { id: healthy.agentId },
      data: {
        enrolledAt: new Date(now - DAY_MS),
        lastHeartbeatAt: new Date(now),
        startedAt: new Date(now - 2 * 3600_000),
        version: AGENT_RELEASE,
      },
    });

    // Behind its 5-minute promise by 20 minutes, with the budget untouched.
    const late = await seedPipeline(s.db, s.org.id, by, { id: 'pl-late', name: 'late' });
    await contract(late.pipelineId);
    await event(late.agentId, commitReport('pl-late', now - MINUTE, now - 20 * MINUTE, 50), now - MINUTE);
    // Its agent is an old build, gone quiet an hour ago.
    await s.db.agent.update({
      where: { id: late.agentId },
      data: {
        enrolledAt: new Date(now - DAY_MS),
        lastHeartbeatAt: new Date(now - 3600_000),
        startedAt: new Date(now - DAY_MS),
        version: '0.0.1',
      },
    });

    // A whole day beyond the promise spends the 30-day 99% budget (432 minutes).
    const breaching = await seedPipeline(s.db, s.org.id, by, { id: 'pl-breaching', name: 'breaching' });
    await contract(breaching.pipelineId);
    await event(breaching.agentId, commitReport('pl-breaching', now - MINUTE, now - MINUTE), now - MINUTE);
    await s.db.freshnessDay.create({
      data: {
        pipelineId: 'pl-breaching',
        day: new Date(dayStartOf(now) - DAY_MS),
        evaluated: new Uint8Array(180).fill(0xff),
        withinSlo: new Uint8Array(180),
        worstSeconds: 3600,
      },
    });
    await s.db.incident.create({
      data: { pipelineId: 'pl-breaching', startedAt: new Date(now - DAY_MS), sloMinutes: 5 },
    });

    // An error after its last commit.
    const failing = await seedPipeline(s.db, s.org.id, by, { id: 'pl-failing', name: 'failing' });
    await event(
      failing.agentId,
      commitReport('pl-failing', now - 10 * MINUTE, now - 10 * MINUTE),
      now - 10 * MINUTE,
    );
    await event(
      failing.agentId,
      { type: 'error', pipelineId: 'pl-failing', errorClass: 'catalog', message: 'catalog unreachable' },
      now - 5 * MINUTE,
    );

    await seedPipeline(s.db, s.org.id, by, { id: 'pl-paused', name: 'paused' });
    await s.db.pipeline.update({ where: { id: 'pl-paused' }, data: { status: 'PAUSED' } });
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

  it('hides the organization from a non-member', async () => {
    await expect(s.as('outsider@acme.test').fleet.overview({ orgSlug: 'acme' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
