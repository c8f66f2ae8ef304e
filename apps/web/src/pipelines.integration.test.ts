import { createPrismaClient } from '@floe/db';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, seedPipelinePrerequisites, signInAs } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

describe('the pipeline wizard, in a real browser', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let page: Page;

  const next = () => page.getByRole('button', { name: 'Next' }).click();
  const errorOf = (field: string) => page.locator(`#pl-${field}-error`).textContent();
  const back = async (steps: number) => {
    for (let i = 0; i < steps; i++) await page.getByRole('button', { name: 'Back' }).click();
  };

  beforeAll(async () => {
    [app, browser, org] = await Promise.all([
      startWebApp(),
      launchBrowser(),
      seedOrganization(['EDITOR', 'VIEWER']),
    ]);
    await seedPipelinePrerequisites(org.id);
    page = await (await browser.newContext()).newPage();
    await signInAs(page, app.url, org.emails.EDITOR as string);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('walks the steps, refusing an invalid field on each until corrected, and creates the pipeline', async () => {
    await page.goto(`${app.url}/orgs/${org.slug}/pipelines`);
    await page.getByRole('link', { name: 'New pipeline' }).click();

    await page.getByLabel('Pipeline name').fill('orders');
    await page.getByLabel('Topics').fill('orders v1!');
    await next();
    await expect(errorOf('topics')).resolves.toContain('topic names are');
    await screenshot(page, 'wizard-source-invalid');
    await page.getByLabel('Topics').fill('orders.v1');
    await next();

    await page.getByLabel('Value format').selectOption('json');
    await next();

    await page.getByLabel('Namespace').fill('sales');
    await page.getByLabel('Table name').fill('orders');
    await page.getByLabel('Partition by').fill('weekly(created_at)');
    await next();
    await expect(errorOf('partitionBy')).resolves.toContain('is not transform(column)');
    await page.getByLabel('Partition by').fill('day(created_at)');
    await next();

    // Bad records default to the dlq policy, and its topic is proposed from the first topic, here,
    // where the policy is chosen (it followed the topics field from "orders v1!" to "orders.v1").
    await expect(page.getByLabel('Bad records').inputValue()).resolves.toBe('dlq');
    await expect(page.getByLabel('Dead-letter topic').inputValue()).resolves.toBe('orders.v1.dlq');
    await screenshot(page, 'wizard-policies-proposed-dlq');
    // The preview of what the table holds follows the mode and key: an upsert keyed by id.
    await page.getByLabel('Table mode').selectOption('upsert');
    await page.getByLabel('Key fields').fill('id');
    const preview = page.getByRole('region', { name: 'What sales.orders will hold' });
    const columns = preview.getByRole('table', { name: /Columns of sales\.orders in upsert mode/ });
    await expect(columns.getByRole('row', { name: /^id/ }).textContent()).resolves.toContain(
      'identifier field',
    );
    await expect(columns.getByRole('row', { name: /^_kafka/ }).textContent()).resolves.toBe('_kafkastruct');
    const rules = await preview.getByRole('list', { name: 'What records do' }).textContent();
    expect(rules).toContain('a record with key (id) replaces the row with that id');
    expect(rules).toContain('a tombstone (a null value) deletes the row with that id');
    await expect(preview.getByTestId('table-preview-deletes').textContent()).resolves.toContain(
      'deletion vectors in Puffin files (an Iceberg v3 table)',
    );
    await screenshot(page, 'wizard-policies-upsert-preview');
    await page.getByLabel('Key fields').fill('');
    await page.getByLabel('Table mode').selectOption('append');
    // Emptied under the dlq policy: the field says so at once, before Next.
    await page.getByLabel('Dead-letter topic').fill('');
    await expect(errorOf('deadLetterTopic')).resolves.toBe('the dlq policy needs a dead-letter topic');
    await page.getByLabel('Bad records').selectOption('skip');
    await page.locator('#pl-deadLetterTopic-error').waitFor({ state: 'detached' });
    await page.getByLabel('Bad records').selectOption('dlq');
    await expect(errorOf('deadLetterTopic')).resolves.toBe('the dlq policy needs a dead-letter topic');
    await page.getByLabel('Commit interval (seconds)').fill('0');
    await next();
    await expect(errorOf('commitIntervalSeconds')).resolves.toBe('at least 1 second');
    await expect(errorOf('deadLetterTopic')).resolves.toBe('the dlq policy needs a dead-letter topic');
    await screenshot(page, 'wizard-policies-dlq-empty');
    await page.getByLabel('Dead-letter topic').fill('orders.dlq');
    await page.locator('#pl-deadLetterTopic-error').waitFor({ state: 'detached' });
    await page.getByLabel('Commit interval (seconds)').fill('5');
    // A topic the user typed is theirs: changing the topics no longer changes it.
    await back(3);
    await page.getByLabel('Topics').fill('orders.v0');
    await page.getByLabel('Topics').fill('orders.v1');
    for (let step = 0; step < 3; step++) await next();
    await expect(page.getByLabel('Dead-letter topic').inputValue()).resolves.toBe('orders.dlq');
    await next();

    const review = (await page.getByRole('definition').allTextContents()).join(' | ');
    expect(review).toContain('prod-kafka');
    expect(review).toContain('day(created_at)');
    expect(review).toContain('orders.dlq');
    await screenshot(page, 'wizard-review');
    await page.getByRole('button', { name: 'Create pipeline' }).click();
    await page.waitForURL(/\/pipelines\?created=pl-/);
    const row = page.getByRole('row', { name: /orders/ });
    expect(await row.textContent()).toContain('orders.v1 → sales.orders');
    expect(await row.textContent()).toContain('running');
    await screenshot(page, 'pipelines');
  });

  it('pauses and resumes the pipeline', async () => {
    const row = page.getByRole('row', { name: /orders/ });
    await row.getByRole('button', { name: 'Pause' }).click();
    await row.getByRole('button', { name: 'Resume' }).waitFor();
    expect(await row.textContent()).toContain('paused');
    await row.getByRole('button', { name: 'Resume' }).click();
    await row.getByRole('button', { name: 'Pause' }).waitFor();
  });

  it('shows what the agent reported: commits, records, dead letters and errors', async () => {
    const db = createPrismaClient();
    const pipeline = await db.pipeline.findFirstOrThrow({
      where: { organizationId: org.id, name: 'orders' },
    });
    const agentId = pipeline.agentId;
    if (agentId === null) throw new Error('the pipeline runs on one agent');
    const now = Date.now();
    const commit = (minutesAgo: number, records: number, deadLettered: number) => ({
      type: 'commit.report',
      pipelineId: pipeline.id,
      table: 'sales.orders',
      snapshotId: String(minutesAgo),
      committedAtMs: now - minutesAgo * 60_000,
      records,
      bytes: records * 100,
      dataFiles: 1,
      deadLettered,
      partitions: [
        {
          topic: 'orders.v1',
          partition: 0,
          committedOffset: '10',
          logEndOffset: '10',
          newestCommittedRecordMs: now,
        },
      ],
    });
    const events = [
      commit(2, 1200, 3),
      commit(1, 800, 0),
      {
        type: 'error',
        pipelineId: pipeline.id,
        errorClass: 'SchemaMismatch',
        message: 'field price: text in a double column',
      },
    ];
    await db.agentEvent.createMany({
      data: events.map((payload) => ({
        agentId,
        type: payload.type,
        payload,
        sentAt: new Date(now),
      })),
    });
    await db.$disconnect();

    await page.getByRole('link', { name: 'orders' }).click();
    await page.getByTestId('metric-Commits (24 h)').getByText('2').waitFor();
    expect(await page.getByTestId('metric-Records (24 h)').textContent()).toBe('2,000');
    expect(await page.getByTestId('metric-Dead letters (24 h)').textContent()).toBe('3');
    // Freshness follows the newest commit (1 minute ago, every partition caught up).
    expect(await page.getByTestId('metric-Freshness').textContent()).toMatch(/^1\.[0-2] min$/);
    expect(await page.getByText('field price: text in a double column').count()).toBe(1);
    // One chart (commits; no rates were reported), with its legend, axis titles and units.
    const chart = page.getByRole('figure', { name: 'Records per commit' });
    expect(await page.locator('figure .recharts-cartesian-grid').count()).toBe(1);
    expect((await chart.locator('.recharts-legend-item-text').allTextContents()).sort()).toEqual([
      'Dead letters',
      'Records written',
    ]);
    expect(await chart.locator('.recharts-label').allTextContents()).toEqual(['Time (UTC)', 'Records']);
    await screenshot(page, 'pipeline-page');
  });

  it('edits the pipeline as a new version from the prefilled wizard', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(/\/edit$/);
    await screenshot(page, 'wizard-edit');
    expect(await page.getByLabel('Topics').inputValue()).toBe('orders.v1');
    for (let step = 0; step < 3; step++) await next();
    await expect(page.getByLabel('Dead-letter topic').inputValue()).resolves.toBe('orders.dlq');
    await page.getByLabel('Commit interval (seconds)').fill('30');
    await next();
    await page.getByRole('button', { name: 'Save as new version' }).click();
    await page.getByText(/· v2 on eu-prod-1/).waitFor();
  });

  it('shows on the Agents page which pipelines run where', async () => {
    await page.goto(`${app.url}/orgs/${org.slug}/agents`);
    expect(await page.getByRole('row', { name: /eu-prod-1/ }).textContent()).toContain('orders');
  });

  it('shows a viewer the pipeline without ways to change it', async () => {
    const viewer = await (await browser.newContext()).newPage();
    await signInAs(viewer, app.url, org.emails.VIEWER as string);
    await viewer.goto(`${app.url}/orgs/${org.slug}/pipelines`);
    expect(await viewer.getByRole('row', { name: /orders/ }).count()).toBe(1);
    expect(await viewer.getByRole('link', { name: 'New pipeline' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Pause' }).count()).toBe(0);
  });
});
