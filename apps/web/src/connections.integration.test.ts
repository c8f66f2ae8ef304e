import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, signInAs } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

describe('the Connections page, in a real browser', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let page: Page;

  const choose = (kind: string) => page.locator('label', { hasText: kind }).first().click();
  const fill = async (fields: Record<string, string>) => {
    for (const [label, value] of Object.entries(fields))
      await page.getByLabel(label, { exact: true }).fill(value);
  };
  const save = () => page.getByRole('button', { name: 'Save connection' }).click();
  const listed = (name: string) => page.getByRole('row', { name: new RegExp(name) }).waitFor();

  beforeAll(async () => {
    [app, browser, org] = await Promise.all([
      startWebApp(),
      launchBrowser(),
      seedOrganization(['EDITOR', 'VIEWER']),
    ]);
    page = await (await browser.newContext()).newPage();
    await signInAs(page, app.url, org.emails.EDITOR as string);
    await page.goto(`${app.url}/orgs/${org.slug}/connections`);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('refuses a raw secret in a reference field, on that field, then saves the corrected Kafka connection', async () => {
    await fill({
      Name: 'prod-kafka',
      'Bootstrap servers': 'b-1.internal:9096, b-2.internal:9096',
      'SASL user name': 'floe',
      'SASL password reference': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    await save();
    await expect(page.locator('#conn-saslPassword-error').textContent()).resolves.toContain(
      'looks like an AWS secret access key',
    );
    await screenshot(page, 'connections-raw-secret-refused');
    await fill({ 'SASL password reference': 'env:KAFKA_PASSWORD' });
    await save();
    await listed('prod-kafka');
  });

  it('creates a schema registry, storage, REST catalog and AWS role connection', async () => {
    await choose('Schema registry');
    await fill({ Name: 'registry', URL: 'https://registry.internal/apis/ccompat/v7' });
    await save();
    await listed('registry');

    await choose('Object storage');
    await fill({ Name: 'lake', Bucket: 'acme-lake', Region: 'eu-west-1' });
    await save();
    await listed('lake');

    await choose('Iceberg catalog');
    await fill({
      Name: 'catalog',
      'REST catalog URI': 'https://catalog.internal',
      Warehouse: 's3://acme-lake/',
    });
    await save();
    await listed('catalog');

    await choose('AWS role');
    await fill({ Name: 'writer-role', 'Role ARN': 'arn:aws:iam::123456789012:role/floe-writer' });
    await save();
    const externalId = await page.getByTestId('external-id').locator('code').last().textContent();
    expect(externalId).toMatch(/^floe-[0-9a-f]{32}$/);
    await listed('writer-role');
    expect(await page.getByRole('row', { name: /writer-role/ }).textContent()).toContain(externalId);
    await screenshot(page, 'connections');
  });

  it('creates a Hive Metastore catalog, its uri refused on the field until it is thrift://host:port', async () => {
    await choose('Iceberg catalog');
    await page.getByLabel('Catalog', { exact: true }).selectOption('hive');
    expect(await page.getByLabel('Warehouse', { exact: true }).count()).toBe(0);
    await fill({ Name: 'metastore', 'Metastore URI': 'metastore.internal:9083' });
    await save();
    await expect(page.locator('#conn-uri-error').textContent()).resolves.toBe(
      'uri must be the metastore as thrift://host:port, like thrift://metastore.internal:9083',
    );
    await fill({ 'Metastore URI': 'thrift://metastore.internal:9083' });
    await save();
    await listed('metastore');
    expect(await page.getByRole('row', { name: /metastore/ }).textContent()).toContain(
      'Hive Metastore thrift://metastore.internal:9083',
    );
  });

  it('records each new connection in the audit log, which an editor cannot read', async () => {
    await page.goto(`${app.url}/orgs/${org.slug}/audit`);
    expect(await page.getByText('The audit log is for owners and admins.').count()).toBe(1);
  });

  it('shows a viewer the connections and no form', async () => {
    const viewer = await (await browser.newContext()).newPage();
    await signInAs(viewer, app.url, org.emails.VIEWER as string);
    await viewer.goto(`${app.url}/orgs/${org.slug}/connections`);
    expect(await viewer.getByRole('row').count()).toBe(7);
    expect(await viewer.getByRole('button', { name: 'Save connection' }).count()).toBe(0);
  });
});
