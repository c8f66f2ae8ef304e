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
