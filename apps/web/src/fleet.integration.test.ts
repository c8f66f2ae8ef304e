import { seedFleet } from '@floe/api/testing';
import { createPrismaClient } from '@floe/db';
import { AGENT_RELEASE } from '@floe/protocol';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, signInAs } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

describe('the fleet overview, in a real browser', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  let page: Page;
  let fleet: Awaited<ReturnType<typeof seedFleet>>;

  const pipelines = () => page.getByRole('table', { name: 'Pipelines' });
  const agents = () => page.getByRole('table', { name: 'Agents' });
  /** Each body row's cells as text; a row's first cell is the name its link shows. */
  const rowsOf = async (table: Locator) =>
    table
      .locator('tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) =>
          [...r.querySelectorAll('td')].map((td, i) =>
            ((i === 0 ? td.querySelector('a') : td)?.textContent ?? '').trim(),
          ),
        ),
      );
  const namesOf = async (table: Locator) => (await rowsOf(table)).map((cells) => cells[0]);
  const sortBy = (table: Locator, column: string) =>
    table.getByRole('columnheader').getByRole('button', { name: column }).click();

  beforeAll(async () => {
    const org = await seedOrganization(['VIEWER']);
    const db = createPrismaClient();
    try {
      const viewer = await db.user.findUniqueOrThrow({ where: { email: org.emails.VIEWER as string } });
      fleet = await seedFleet(db, org.id, viewer.id, { idPrefix: `pl-${org.slug}-` });
    } finally {
      await db.$disconnect();
    }
    [app, browser] = await Promise.all([startWebApp(), launchBrowser()]);
    page = await (await browser.newContext({ timezoneId: 'UTC' })).newPage();
    await signInAs(page, app.url, org.emails.VIEWER as string);
    await page.goto(`${app.url}/orgs/${org.slug}`);
    await pipelines().waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows every pipeline in its state, worst first, with freshness, lag, rate, errors and incidents', async () => {
    await screenshot(page, 'fleet-overview');
    expect(await namesOf(pipelines())).toEqual(['failing', 'breaching', 'late', 'healthy', 'paused']);
    const rows = Object.fromEntries((await rowsOf(pipelines())).map((c) => [c[0], c]));
    // Pipeline, State, Freshness / SLO, Lag, Records/s, Last commit, Last error, Open incidents.
    expect(rows.healthy?.slice(1, 6)).toEqual([
      'healthy',
      expect.stringMatching(/ \/ 5 min/),
      '12',
      '250',
      '1 min ago',
    ]);
    expect(rows.late?.[1]).toBe('late');
    expect(rows.late?.[2]).toMatch(/^2\d\.\d min \/ 5 min/);
    expect(rows.breaching?.[1]).toBe('breaching');
    expect(rows.breaching?.[7]).toBe('1');
    expect(rows.failing?.slice(1, 8)).toEqual([
      'failing',
      expect.stringContaining('no SLO'),
      '—',
      '—',
      '10 min ago',
      'catalog: catalog unreachable',
      '0',
    ]);
    expect(rows.paused?.slice(1, 7)).toEqual(['paused', '— · no SLO', '—', '—', '—', '—']);
  });

  it("shows each pipeline's compaction: the running one's step, how the last ended, live", async () => {
    const compactionOf = async (name: string) => (await rowsOf(pipelines())).find((c) => c[0] === name)?.[8];
    const healthy = pipelines().getByRole('row').filter({ hasText: fleet.healthy.agentId });
    expect(
      await healthy.getByRole('progressbar', { name: 'Compaction progress' }).getAttribute('value'),
    ).toBe('0.5');
    expect(await compactionOf('healthy')).toMatch(
      /^running for \d+ minstep 2 of 2: rewriting manifests \(data files: 40 → 2 files\)last finished 30 min ago: 57 → 3 files · 52\.4 MB rewritten$/,
    );
    expect(await compactionOf('failing')).toBe(
      'failed 3 min ago: CommitFailedException: the table changed under it 8 times',
    );
    expect(await compactionOf('late')).toBe('—');

    // The agent finishes it, its manifest step failing: the page shows it without a reload.
    const db = createPrismaClient();
    try {
      await db.maintenanceRun.update({
        where: { jobId: `compact-${fleet.healthy.pipelineId}` },
        data: {
          status: 'FINISHED',
          finishedAt: new Date(),
          result: {
            filesOutcome: 'rewritten',
            filesBefore: 40,
            filesAfter: 2,
            bytesRewritten: 9_000_000,
            manifestsOutcome: 'failed',
            manifestsError: 'CommitFailedException: conflict',
          },
          error: 'manifests: CommitFailedException: conflict',
        },
      });
    } finally {
      await db.$disconnect();
    }
    await expect
      .poll(() => compactionOf('healthy'), { timeout: 15_000 })
      .toBe(
        'finished just now: 40 → 2 files · 9.0 MB rewritten · manifests not rewritten: CommitFailedException: conflict',
      );
    await screenshot(page, 'fleet-overview-compaction');
  });

  it('sorts by a column both ways, unknown values last either way', async () => {
    await sortBy(pipelines(), 'Last commit');
    expect(await namesOf(pipelines())).toEqual(['failing', 'breaching', 'healthy', 'late', 'paused']);
    await expect(
      pipelines().getByRole('columnheader', { name: 'Last commit' }).getAttribute('aria-sort'),
    ).resolves.toBe('ascending');
    await sortBy(pipelines(), 'Last commit');
    expect(await namesOf(pipelines())).toEqual(['breaching', 'healthy', 'late', 'failing', 'paused']);
    await expect(
      pipelines().getByRole('columnheader', { name: 'Last commit' }).getAttribute('aria-sort'),
    ).resolves.toBe('descending');
  });

  it('filters pipelines by state and by name', async () => {
    await page.getByLabel('Show pipelines').selectOption('late');
    expect(await namesOf(pipelines())).toEqual(['late']);
    await page.getByLabel('Show pipelines').selectOption('all');
    await page.getByLabel('Filter pipelines by name').fill('ING');
    expect(await namesOf(pipelines())).toEqual(['breaching', 'failing']);
    await page.getByLabel('Show pipelines').selectOption('paused');
    await page.getByText('No pipelines match this filter.').waitFor();
    await screenshot(page, 'fleet-overview-filtered');
    await page.getByLabel('Filter pipelines by name').fill('');
    expect(await namesOf(pipelines())).toEqual(['paused']);
  });

  it('shows the agents with their version, whether an upgrade is available, uptime and pipelines', async () => {
    const [healthy, late, failing] = [fleet.healthy.agentId, fleet.late.agentId, fleet.failing.agentId];
    // The healthy agent heartbeats, as a live one does every few seconds: the seed's heartbeat is as old
    // as this file's run, and an agent unheard of for 30 s is offline.
    const db = createPrismaClient();
    try {
      await db.agent.update({ where: { id: healthy }, data: { lastHeartbeatAt: new Date() } });
    } finally {
      await db.$disconnect();
    }
    await page.reload();
    await agents().waitFor();
    // Not online first: offline, then awaiting install, then online.
    const names = await namesOf(agents());
    expect(names.slice(0, 1)).toEqual([late]);
    expect(names.at(-1)).toBe(healthy);
    const rows = Object.fromEntries((await rowsOf(agents())).map((c) => [c[0], c]));
    // Agent, Status, Version, Uptime, Last seen, Pipelines, Last error.
    expect(rows[healthy]?.slice(1, 6)).toEqual(['online', AGENT_RELEASE, '2 h', 'just now', '1']);
    expect(rows[late]?.slice(1, 6)).toEqual([
      'offline',
      `0.0.1upgrade to ${AGENT_RELEASE} available`,
      '—',
      '1 h ago',
      '1',
    ]);
    expect(rows[failing]?.slice(1, 7)).toEqual([
      'awaiting-install',
      '—',
      '—',
      'never',
      '1',
      'catalog: catalog unreachable',
    ]);

    await page.getByLabel('Show agents').selectOption('upgrade available');
    expect(await namesOf(agents())).toEqual([late]);
    await page.getByLabel('Show agents').selectOption('not online');
    expect(await namesOf(agents())).not.toContain(healthy);
    await screenshot(page, 'fleet-overview-agents');
  });
});
