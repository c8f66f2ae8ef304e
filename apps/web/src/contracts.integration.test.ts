import { createPrismaClient } from '@floe/db';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { seedOrganization, seedPipelinePrerequisites, signInAs } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

describe('a data contract, written, shared and revoked, in a real browser', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let owner: Page;
  let shareUrl = '';

  beforeAll(async () => {
    [app, browser, org] = await Promise.all([startWebApp(), launchBrowser(), seedOrganization(['OWNER'])]);
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
    const badge = await fetch(`${shareUrl}/badge.svg`);
    expect(badge.headers.get('content-type')).toBe('image/svg+xml');
    expect(await badge.text()).toContain('no data');
    const odcs = parse(await (await fetch(`${shareUrl}/odcs.yaml`)).text());
    expect(odcs.slaProperties[0]).toMatchObject({ property: 'freshness', value: 5, unit: 'minutes' });
    const dbt = parse(await (await fetch(`${shareUrl}/dbt.yml`)).text());
    expect(dbt.sources[0].freshness.warn_after).toEqual({ count: 5, period: 'minute' });
  });

  it('revoking the link makes it 404 everywhere', async () => {
    await owner.getByRole('button', { name: 'Revoke link' }).click();
    await owner.getByRole('button', { name: 'Create share link' }).waitFor();
    for (const suffix of ['', '/contract.json', '/badge.svg', '/odcs.yaml', '/dbt.yml']) {
      expect((await fetch(`${shareUrl}${suffix}`)).status).toBe(404);
    }
  });
});
