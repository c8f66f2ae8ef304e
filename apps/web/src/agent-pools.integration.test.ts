import { createPrismaClient } from '@floe/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, seedPipelinePrerequisites, signInAs } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

// A pipeline on an agent pool, in a real browser: the wizard offers the pool beside the agents, and
// the pipeline page shows each online member with the partitions it reads, its rate and its lag, as
// the members reported them.

describe('agent pools on the pipeline pages, in a real browser', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  const db = createPrismaClient();
  const members = ['ag-pool-one', 'ag-pool-two'];
  let pipelineId = '';

  beforeAll(async () => {
    [app, browser, org] = await Promise.all([startWebApp(), launchBrowser(), seedOrganization(['EDITOR'])]);
    await seedPipelinePrerequisites(org.id);
    const poolId = `ap-${org.slug}`;
    await db.agentPool.create({ data: { id: poolId, organizationId: org.id, name: 'eu-pool' } });
    const now = new Date();
    for (const [i, id] of members.entries())
      await db.agent.create({
        data: {
          id: `${id}-${org.slug}`,
          organizationId: org.id,
          name: `eu-pool-${i}`,
          poolId,
          enrolledAt: now,
          lastHeartbeatAt: now,
        },
      });
    pipelineId = `pl-${org.slug}`;
    const spec = {
      id: pipelineId,
      name: 'clicks',
      version: 1,
      source: { bootstrapServers: ['b:9092'], topics: ['clicks'] },
      format: { value: 'json' },
      table: {
        catalog: { type: 'rest', uri: 'http://catalog.internal', warehouse: 's3://acme-lake/' },
        namespace: ['web'],
        name: 'clicks',
        storage: { bucket: 'acme-lake', region: 'eu-west-1' },
      },
    };
    const editor = await db.user.findFirstOrThrow({ where: { email: org.emails.EDITOR } });
    await db.pipeline.create({
      data: {
        id: pipelineId,
        organizationId: org.id,
        name: 'clicks',
        status: 'RUNNING',
        poolId,
        currentVersion: 1,
        versions: { create: { version: 1, createdById: editor.id, spec } },
      },
    });
    // Each member's newest report: the partitions the group gave it.
    const report = (agent: string, partitions: number[], rate: number) => ({
      agentId: `${agent}-${org.slug}`,
      type: 'metrics',
      sentAt: now,
      payload: {
        type: 'metrics',
        pipelineId,
        recordsPerSecond: rate,
        lagRecords: String(partitions.length * 10),
        partitions: partitions.map((partition) => ({
          topic: 'clicks',
          partition,
          lagRecords: '10',
          lagSeconds: partition + 0.5,
        })),
      },
    });
    await db.agentEvent.createMany({
      data: [report('ag-pool-one', [4, 0, 2], 1200), report('ag-pool-two', [1, 3, 5], 800)],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await db.$disconnect();
  });

  it("offers the pool in the wizard and shows each member's partitions, rate and lag", async () => {
    const page = await (await browser.newContext()).newPage();
    await signInAs(page, app.url, org.emails.EDITOR as string);
    await page.goto(`${app.url}/orgs/${org.slug}/pipelines/new`);
    const choices = await page.getByLabel('Agent or pool').locator('option').allTextContents();
    expect(choices).toContain('pool eu-pool (every online member)');
    expect(choices).toContain('eu-prod-1');

    await page.goto(`${app.url}/orgs/${org.slug}/pipelines/${pipelineId}`);
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    expect(await page.getByText('on pool eu-pool').count()).toBe(1);
    const one = page.getByRole('row', { name: /eu-pool-0/ });
    await one.waitFor();
    expect(await one.textContent()).toContain('clicks: 0, 2, 4');
    expect(await one.textContent()).toContain('1,200');
    expect(await one.textContent()).toContain('4.5');
    expect(await page.getByRole('row', { name: /eu-pool-1/ }).textContent()).toContain('clicks: 1, 3, 5');
    await screenshot(page, 'pipeline-pool-members');
  });
});
