import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, signInAs } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

describe('the Agents page and enrollment, in a real browser', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof seedOrganization>>;

  beforeAll(async () => {
    [app, browser, org] = await Promise.all([
      startWebApp(),
      launchBrowser(),
      seedOrganization(['ADMIN', 'VIEWER']),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('registers an agent, shows its token once, enrolls it once, then revokes it', async () => {
    const page = await (await browser.newContext()).newPage();
    await signInAs(page, app.url, org.emails.ADMIN as string);
    await page.goto(`${app.url}/orgs/${org.slug}/agents`);
    await screenshot(page, 'agents-empty');
    await expect(page.getByText('No agents yet.').count()).resolves.toBe(1);

    await page.getByLabel('Name', { exact: true }).fill('x');
    await page.getByRole('button', { name: 'Register agent' }).click();
    await expect(page.locator('#agent-name-error').textContent()).resolves.toBe('at least 2 characters');
    await page.getByLabel('Name', { exact: true }).fill('eu-prod-1');
    await page.getByRole('button', { name: 'Register agent' }).click();
    const commands = page.getByTestId('install-token');
    await commands.waitFor();
    const text = (await commands.textContent()) ?? '';
    const npx = (await commands.locator('pre').first().textContent()) ?? '';
    const token = npx.split(' --token ')[1] as string;
    expect(token).toMatch(/^floe_it_[\w-]{32}$/);
    expect(text).toContain(`npx floe-agent start --control-plane ${app.url} --token ${token}`);
    expect(text).toContain('helm install floe-agent');
    await screenshot(page, 'agents-registered');

    const enroll = () =>
      fetch(`${app.url}/api/agents/enroll`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ installToken: token }),
      });
    const first = await enroll();
    expect(first.status).toBe(200);
    const credentials = await first.json();
    // HTTPS unless the install chose BullMQ: the agent gets an API token and no Redis login.
    expect(credentials).toEqual({
      transport: 'https',
      agentId: expect.stringMatching(/^ag-/),
      apiToken: expect.stringMatching(/^floe_at_/),
    });
    expect((await enroll()).status).toBe(401);

    await page.reload();
    expect(await page.getByText(token).count()).toBe(0);
    const row = page.getByRole('row', { name: /eu-prod-1/ });
    expect(await row.textContent()).toContain('offline');

    const report = (apiToken: string, events: unknown[]) =>
      fetch(`${app.url}/api/agents/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiToken}` },
        body: JSON.stringify({ protocolVersion: 1, sentAtMs: Date.now(), events }),
      });
    const heartbeat = { type: 'heartbeat', agentVersion: '0.1.0', runningPipelines: [] };
    expect((await report(credentials.apiToken, [heartbeat])).status).toBe(200);
    expect((await report('floe_at_forged', [heartbeat])).status).toBe(401);
    const malformed = await report(credentials.apiToken, [{ type: 'heartbeat' }]);
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error).toContain('events.0.agentVersion');
    await page.reload();
    expect(await row.textContent()).toContain('online');
    expect(await row.textContent()).toContain('0.1.0');
    page.once('dialog', (dialog) => dialog.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.waitForFunction(() => document.body.textContent?.includes('revoked'));
    await screenshot(page, 'agents-revoked');
    expect((await report(credentials.apiToken, [heartbeat])).status).toBe(401);

    await page.goto(`${app.url}/orgs/${org.slug}/audit?action=agent.`);
    const log = (await page.getByRole('table').textContent()) ?? '';
    expect(log).toContain('agent.create');
    expect(log).toContain('agent.revoke');
    expect(log).toContain(org.emails.ADMIN as string);
    expect(log).not.toContain(token);
    await screenshot(page, 'audit-log');
  });

  it('creates a pool whose one token enrolls each replica as its own member', async () => {
    const page = await (await browser.newContext()).newPage();
    await signInAs(page, app.url, org.emails.ADMIN as string);
    await page.goto(`${app.url}/orgs/${org.slug}/agents`);
    await page.getByLabel('Pool name').fill('eu-pool');
    await page.getByRole('button', { name: 'Create pool' }).click();
    const commands = page.getByTestId('enrollment-token');
    await commands.waitFor();
    const npx = (await commands.locator('pre').first().textContent()) ?? '';
    const token = npx.split(' --token ')[1] as string;
    expect(token).toMatch(/^floe_it_[\w-]{32}$/);
    expect(await commands.textContent()).toContain('--set replicas=3');
    await screenshot(page, 'agents-pool-created');

    const enroll = async () =>
      (
        await fetch(`${app.url}/api/agents/enroll`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ installToken: token }),
        })
      ).json();
    const [one, two] = [await enroll(), await enroll()];
    expect(one.agentId).toMatch(/^ag-/);
    expect(two.agentId).not.toBe(one.agentId);
    expect(two.apiToken).not.toBe(one.apiToken);

    await page.reload();
    expect(await page.getByText(token).count()).toBe(0);
    expect(await page.getByRole('row', { name: /eu-pool ap-/ }).textContent()).toContain('0 of 2');
    expect(await page.getByRole('row', { name: new RegExp(one.agentId) }).textContent()).toContain('eu-pool');
    await screenshot(page, 'agents-pool-members');
  });

  it('shows a viewer the agents but no way to register or revoke', async () => {
    const page = await (await browser.newContext()).newPage();
    await signInAs(page, app.url, org.emails.VIEWER as string);
    await page.goto(`${app.url}/orgs/${org.slug}/agents`);
    expect(await page.getByRole('row', { name: /eu-prod-1/ }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Register agent' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Create pool' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'New enrollment token' }).count()).toBe(0);
  });

  it('refuses a malformed enrollment with the field named', async () => {
    const res = await fetch(`${app.url}/api/agents/enroll`, {
      method: 'POST',
      body: JSON.stringify({ installToken: 'abc' }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toContain('installToken');
  });
});
