import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { evaluateContracts } from '@floe/api';
import { createPrismaClient } from '@floe/db';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { seedOrganization, seedPipelinePrerequisites, signInAs } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

const MINUTE = 60_000;
const utc = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;

/** What an agent reports after a commit at `atMs`: the one partition caught up to then. */
const commitReport = (pipelineId: string, atMs: number) => ({
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
      committedOffset: '1',
      logEndOffset: '1',
      newestCommittedRecordMs: atMs,
    },
  ],
});

describe('a data contract, written, shared and revoked, in a real browser', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let owner: Page;
  let shareUrl = '';
  let badgeUrl = '';

  beforeAll(async () => {
    [app, browser, org] = await Promise.all([
      // The alert test's receiver listens on loopback.
      startWebApp({ FLOE_ALERTS_ALLOW_PRIVATE_NETWORKS: 'true' }),
      launchBrowser(),
      seedOrganization(['OWNER']),
    ]);
    await seedPipelinePrerequisites(org.id);
    const db = createPrismaClient();
    const agent = await db.agent.findFirstOrThrow({ where: { organizationId: org.id } });
    await db.pipeline.create({
      data: {
        id: `pl-${org.slug}`,
        organizationId: org.id,
        name: 'orders',
        status: 'RUNNING',
        agentId: agent.id,
        currentVersion: 1,
        versions: {
          create: {
            version: 1,
            createdById: agent.id,
            spec: {
              id: `pl-${org.slug}`,
              name: 'orders',
              version: 1,
              source: { bootstrapServers: ['b:9092'], topics: ['orders.v1'] },
              format: { value: 'json' },
              table: {
                catalog: { type: 'rest', uri: 'http://catalog.internal', warehouse: 's3://acme-lake/' },
                namespace: ['sales'],
                name: 'orders',
                partitionBy: [{ source: 'created_at', transform: 'day' }],
                storage: { bucket: 'acme-lake', region: 'eu-west-1' },
              },
            },
          },
        },
      },
    });
    await db.$disconnect();
    owner = await (await browser.newContext()).newPage();
    await signInAs(owner, app.url, org.emails.OWNER as string);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('writes the contract through the form, correcting an invalid field on the way', async () => {
    await owner.goto(`${app.url}/orgs/${org.slug}/pipelines`);
    await owner.getByRole('link', { name: 'orders' }).click();
    await owner.getByLabel('Owner team').fill('Checkout');
    await owner.getByLabel('Owner contact').fill('checkout@acme.test');
    await owner.getByLabel('Identifier fields').fill('order_id:string');
    await owner.getByLabel('Incident channel').fill('#data-incidents');
    await owner.getByLabel('Target (% of minutes)').fill('120');
    await owner.getByRole('button', { name: 'Save contract' }).click();
    await expect(owner.locator('#contract-slo-targetPercent-error').textContent()).resolves.toBe(
      'at most 100%',
    );
    await owner.getByLabel('Target (% of minutes)').fill('99.5');
    await owner.getByRole('button', { name: 'Save contract' }).click();
    await owner.getByText('Saved as version 1.').waitFor();
  });

  it('shares it: a signed-out browser sees the same promise; JSON, badge, ODCS and dbt agree', async () => {
    await owner.getByRole('button', { name: 'Create share link' }).click();
    shareUrl = (await owner.getByTestId('share-url').textContent()) as string;
    expect(shareUrl).toMatch(/\/share\/[\w-]{32}$/);
    await screenshot(owner, 'contract-owner');

    const stranger = await (await browser.newContext()).newPage();
    await stranger.goto(shareUrl);
    expect(await stranger.getByRole('heading', { level: 1 }).textContent()).toBe('sales.orders');
    expect(await stranger.getByTestId('slo').textContent()).toBe('5 minutes');
    expect(await stranger.getByText('99.5% of minutes over 30 days').count()).toBe(1);
    expect(await stranger.getByTestId('freshness-now').textContent()).toBe('No commit reported yet.');
    await screenshot(stranger, 'contract-shared');

    const json = await (await fetch(`${shareUrl}/contract.json`)).json();
    expect(json.contract.slo).toEqual({ freshnessMinutes: 5, targetPercent: 99.5, windowDays: 30 });
    await owner.getByRole('button', { name: 'Create badge link' }).click();
    const markdown = (await owner.getByTestId('badge-markdown').textContent()) as string;
    badgeUrl = markdown.match(/\((http[^)]+)\)/)?.[1] as string;
    expect(badgeUrl).toMatch(/\/badge\/[\w-]{32}$/);
    const badge = await fetch(badgeUrl);
    expect(badge.headers.get('content-type')).toBe('image/svg+xml');
    expect(await badge.text()).toContain('no data');
    // The badge's token opens no share page, and the page's token no badge.
    const badgeToken = badgeUrl.split('/').pop() as string;
    expect((await fetch(shareUrl.replace(/[\w-]+$/, badgeToken))).status).toBe(404);
    expect((await fetch(`${shareUrl}/badge.svg`)).status).toBe(404);
    const odcs = parse(await (await fetch(`${shareUrl}/odcs.yaml`)).text());
    expect(odcs.slaProperties[0]).toMatchObject({ property: 'freshness', value: 5, unit: 'minutes' });
    const dbt = parse(await (await fetch(`${shareUrl}/dbt.yml`)).text());
    expect(dbt.sources[0].freshness.warn_after).toEqual({ count: 5, period: 'minute' });
  });

  it('shows how the promise was kept: compliance, error budget, the daily chart and the incident', async () => {
    // The last two hours under the contract: the agent committed every minute, but for a 20-minute stall.
    const pipelineId = `pl-${org.slug}`;
    const db = createPrismaClient();
    const { agentId } = await db.pipeline.findUniqueOrThrow({ where: { id: pipelineId } });
    if (agentId === null) throw new Error('the pipeline runs on one agent');
    const start = Math.floor(Date.now() / MINUTE) * MINUTE - 120 * MINUTE;
    const minutes = Array.from({ length: 120 }, (_, m) => m).filter((m) => m < 40 || m >= 60);
    await db.agentEvent.createMany({
      data: minutes.map((m) => {
        const at = new Date(start + m * MINUTE + 30_000);
        return {
          agentId,
          type: 'commit.report',
          payload: commitReport(pipelineId, at.getTime()),
          sentAt: at,
          receivedAt: at,
        };
      }),
    });
    await db.contract.update({ where: { pipelineId }, data: { createdAt: new Date(start) } });
    await evaluateContracts(db, new Date(start + 120 * MINUTE + 5_000));
    await db.$disconnect();

    const stranger = await (await browser.newContext()).newPage();
    await stranger.goto(shareUrl);
    // Behind by more than 5 minutes from minute 44 (last commit 39.5) until the commit at 60.5.
    // 104 of 120 minutes within (one more minute if this app's own evaluator has run since).
    expect(await stranger.getByTestId('compliance').textContent()).toMatch(/^86\.(66|77)%$/);
    // 99.5% of 30 days allows 216 minutes; 16 are spent.
    expect(await stranger.getByTestId('budget').textContent()).toBe('200 of 216 min');
    // The chart draws on the client once it has measured its box.
    const chart = stranger.locator('figure[aria-label^="Daily compliance"]');
    await expect.poll(() => chart.locator('.recharts-cartesian-grid').count()).toBe(1);
    // Readable on its own: axis titles with units and zone, a legend, the target named.
    expect(await chart.locator('.recharts-label').allTextContents()).toEqual([
      'Day (UTC)',
      'Minutes within (%)',
      'target 99.5%',
    ]);
    expect(await chart.locator('.recharts-legend-item-text').allTextContents()).toEqual([
      'Minutes within the promise',
    ]);
    // Hovering a day's bar says its figures.
    await chart.locator('.recharts-bar-rectangle').last().hover();
    await expect
      .poll(() => chart.locator('.recharts-tooltip-wrapper').textContent())
      .toMatch(/\(UTC\).*within the promise.*behind/);
    const incident = stranger.getByRole('row', { name: new RegExp(utc(start + 44 * MINUTE)) });
    expect((await incident.getByRole('cell').allTextContents()).slice(1)).toEqual([
      utc(start + 60 * MINUTE),
      '16 min',
      '20.5 min behind',
      '5 min',
    ]);
    await screenshot(stranger, 'contract-compliance');

    await owner.reload();
    expect(await owner.getByTestId('compliance').textContent()).toMatch(/^86\.(66|77)%$/);
    expect(await owner.getByRole('row', { name: new RegExp(utc(start + 44 * MINUTE)) }).count()).toBe(1);
  });

  it("records a backfill's cutover on the contract and the share page: its time and main's snapshot", async () => {
    const pipelineId = `pl-${org.slug}`;
    const db = createPrismaClient();
    const { agentId } = await db.pipeline.findUniqueOrThrow({ where: { id: pipelineId } });
    const { userId } = await db.membership.findFirstOrThrow({ where: { organizationId: org.id } });
    const cutoverAtMs = Date.UTC(2026, 10, 30, 8, 15, 42);
    await db.backfill.create({
      data: {
        id: 'f00d',
        organizationId: org.id,
        pipelineId,
        createdById: userId,
        request: { start: 'earliest', end: 'now' },
        runJobId: 'run-f00d',
        cutoverJobId: 'cut-f00d',
      },
    });
    await db.agentEvent.create({
      data: {
        agentId: agentId as string,
        type: 'job.finished',
        sentAt: new Date(),
        payload: {
          type: 'job.finished',
          jobId: 'cut-f00d',
          result: { snapshotId: '4242424242', replacedSnapshotId: '4141', cutoverAtMs, valid: true },
        },
      },
    });
    await db.$disconnect();

    const stranger = await (await browser.newContext()).newPage();
    await stranger.goto(shareUrl);
    const shared = stranger.getByRole('row', { name: /4242424242/ });
    expect(await shared.getByRole('cell').allTextContents()).toEqual([
      '2026-11-30 08:15:42 UTC',
      '4242424242',
      '4141',
      'backfill-f00d',
    ]);
    await owner.reload();
    expect(await owner.getByTestId('cutover-at').textContent()).toBe('2026-11-30 08:15:42 UTC');
    expect(await owner.getByTestId('cutover-snapshot').textContent()).toBe('4242424242');
  });

  it('adds an alert destination, correcting its URL, shows the secret once and sends a signed test', async () => {
    const received: { signature: string; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({ signature: String(req.headers['floe-signature']), body });
        res.writeHead(204).end();
      });
    }).listen(0, '127.0.0.1');
    await new Promise((ready) => receiver.once('listening', ready));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/floe`;
    try {
      await owner.getByLabel('URL').fill('http://hooks.example.com/floe');
      await owner.getByRole('button', { name: 'Add destination' }).click();
      expect(await owner.locator('#alert-url-error').textContent()).toBe(
        'must start with https:// (http:// only to localhost)',
      );
      await owner.getByLabel('URL').fill(url);
      await owner.getByRole('button', { name: 'Add destination' }).click();
      const secret = await owner.getByTestId('signing-secret').locator('code').textContent();
      expect(secret).toMatch(/^floe_whsec_/);

      const row = owner.getByRole('row', { name: new RegExp(url) });
      await row.getByRole('button', { name: 'Send test' }).click();
      expect(await row.getByRole('status').textContent()).toBe('✓ test delivered (HTTP 204)');
      const [test] = received;
      expect(JSON.parse(test?.body ?? '')).toMatchObject({ type: 'test', table: 'sales.orders' });
      const [, t, v1] = /^t=(\d+),v1=(\w+)$/.exec(test?.signature ?? '') ?? [];
      expect(
        createHmac('sha256', secret as string)
          .update(`${t}.${test?.body}`)
          .digest('hex'),
      ).toBe(v1);
      await screenshot(owner, 'contract-alerts');

      // Shown once: after a reload, the page has the destination but not its secret.
      await owner.reload();
      await owner.getByRole('row', { name: new RegExp(url) }).waitFor();
      expect(await owner.getByText(secret as string).count()).toBe(0);
    } finally {
      receiver.close();
    }
  });

  it('revoking the link makes it 404 everywhere', async () => {
    await owner.getByRole('button', { name: 'Revoke link' }).click();
    await owner.getByRole('button', { name: 'Create share link' }).waitFor();
    for (const suffix of ['', '/contract.json', '/odcs.yaml', '/dbt.yml']) {
      expect((await fetch(`${shareUrl}${suffix}`)).status).toBe(404);
    }
    // The badge link is revoked on its own.
    expect((await fetch(badgeUrl)).status).toBe(200);
    await owner.getByRole('button', { name: 'Revoke badge link' }).click();
    await owner.getByRole('button', { name: 'Create badge link' }).waitFor();
    expect((await fetch(badgeUrl)).status).toBe(404);
  });
});
