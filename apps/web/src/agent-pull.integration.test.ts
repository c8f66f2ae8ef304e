import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, signInAs } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

const agentBin = resolve(import.meta.dirname, '../../agent/bin/floe-agent.mjs');

describe('a real agent process enrolls, heartbeats and runs a connection test for the UI (over HTTPS)', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let page: Page;
  let agent: ChildProcess | undefined;
  let agentLog = '';

  beforeAll(async () => {
    [app, browser, org] = await Promise.all([startWebApp(), launchBrowser(), seedOrganization(['ADMIN'])]);
    page = await (await browser.newContext()).newPage();
    await signInAs(page, app.url, org.emails.ADMIN as string);
  });

  afterAll(async () => {
    agent?.kill('SIGTERM');
    await browser?.close();
    await app?.stop();
  });

  it('installs with the command the Agents page shows, and comes online', async () => {
    await page.goto(`${app.url}/orgs/${org.slug}/agents`);
    await page.getByLabel('Name', { exact: true }).fill('eu-prod-1');
    await page.getByRole('button', { name: 'Register agent' }).click();
    const npx = (await page.getByTestId('install-token').locator('pre').first().textContent()) as string;
    const [, ...args] = npx.replace(/^npx floe-agent /, 'x ').split(' ');
    agent = spawn(process.execPath, [agentBin, ...args], {
      env: { ...process.env, FLOE_AGENT_STATE_DIR: mkdtempSync(join(tmpdir(), 'floe-agent-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent.stdout?.on('data', (d) => {
      agentLog += d;
    });
    agent.stderr?.on('data', (d) => {
      agentLog += d;
    });
    const row = page.getByRole('row', { name: /eu-prod-1/ });
    const deadline = Date.now() + 60_000;
    while (!((await row.textContent()) ?? '').includes('online')) {
      if (Date.now() > deadline) throw new Error(`agent never came online:\n${agentLog}`);
      await new Promise((r) => setTimeout(r, 1000));
      await page.reload();
    }
    expect(agentLog).toContain('"message":"enrolled"');
    // Its jobs come through the control plane's HTTPS API: it was given no Redis login.
    expect(agentLog).toContain('"transport":"https"');
    expect(await row.textContent()).toContain('0.1.0');
    await screenshot(page, 'agent-online');
  });

  it('tests a Kafka connection and the Iceberg catalog through the agent, and shows its answers', async () => {
    await page.goto(`${app.url}/orgs/${org.slug}/connections`);
    await page.getByLabel('Name', { exact: true }).fill('local-kafka');
    await page.getByLabel('Bootstrap servers').fill(process.env.FLOE_KAFKA_BROKERS as string);
    await page.getByLabel('Security protocol').selectOption('PLAINTEXT');
    await page.getByRole('button', { name: 'Save connection' }).click();
    await page.getByRole('row', { name: /local-kafka/ }).waitFor();

    await page.locator('label', { hasText: 'Iceberg catalog' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('local-catalog');
    await page.getByLabel('REST catalog URI').fill(process.env.FLOE_ICEBERG_REST_URI as string);
    await page.getByLabel('Warehouse').fill('s3://warehouse/');
    await page.getByRole('button', { name: 'Save connection' }).click();
    await page.getByRole('row', { name: /local-catalog/ }).waitFor();

    for (const [name, answer] of [
      ['local-kafka', /✓ reachable from eu-prod-1: .*brokers 1/],
      ['local-catalog', /✓ reachable from eu-prod-1: .*catalog reachable/],
    ] as const) {
      const row = page.getByRole('row', { name: new RegExp(name) });
      await row.getByRole('button', { name: 'Test connection' }).click();
      await row
        .getByText(answer)
        .waitFor({ timeout: 30_000 })
        .catch(async (error) => {
          await screenshot(page, 'connection-test-failed');
          throw new Error(`${error.message}\nrow: ${await row.textContent()}\nagent log:\n${agentLog}`);
        });
    }
    await screenshot(page, 'connection-tested');
  });

  it('says in words why a connection test failed, once the agent answers', async () => {
    await page.locator('label', { hasText: 'Iceberg catalog' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('closed-catalog');
    await page.getByLabel('REST catalog URI').fill('http://127.0.0.1:1');
    await page.getByLabel('Warehouse').fill('s3://warehouse/');
    await page.getByRole('button', { name: 'Save connection' }).click();
    const row = page.getByRole('row', { name: /closed-catalog/ });
    await row.waitFor();
    await row.getByRole('button', { name: 'Test connection' }).click();
    const failure = row.getByRole('alert');
    await failure.waitFor({ timeout: 30_000 });
    // The agent's own policy refuses it before connecting, and says which rule.
    expect(await failure.textContent()).toBe(
      '✗ policy: catalog http://127.0.0.1:1 is not in policy.catalog.restUris',
    );
    await screenshot(page, 'connection-test-failed-in-words');
  });
});
