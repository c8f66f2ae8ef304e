import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, signInAs, TEST_PASSWORD } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

describe('inviting a member, in a real browser', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  const newcomer = `new-${randomBytes(4).toString('hex')}@example.com`;

  beforeAll(async () => {
    [app, browser, org] = await Promise.all([startWebApp(), launchBrowser(), seedOrganization(['ADMIN'])]);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('invites a newcomer as viewer; they sign up, accept, and can look but not change', async () => {
    const admin = await (await browser.newContext()).newPage();
    await signInAs(admin, app.url, org.emails.ADMIN as string);
    await admin.goto(`${app.url}/orgs/${org.slug}/members`);
    await admin.getByLabel('Email').fill(newcomer);
    await admin.getByRole('button', { name: 'Create invitation link' }).click();
    const link = (await admin.getByTestId('invitation-link').locator('code').textContent()) as string;
    expect(link).toMatch(/\/invite\/floe_inv_/);
    await screenshot(admin, 'members-invite');

    const guest = await (await browser.newContext()).newPage();
    await guest.goto(link);
    await guest.waitForURL(/\/sign-in\?callbackUrl=%2Finvite|\/sign-in\?callbackUrl=\/invite/);
    await guest.getByRole('link', { name: 'Create an account' }).click();
    await guest.getByLabel('Your name').fill('New Person');
    await guest.getByLabel('Work email').fill(newcomer);
    await guest.getByLabel('Password').fill(TEST_PASSWORD);
    await guest.getByLabel('Organization').fill('My own team');
    await guest.getByRole('button', { name: 'Create account' }).click();
    await guest.waitForURL(/\/orgs\/my-own-team/);

    await guest.goto(link);
    await guest.getByRole('button', { name: 'Accept invitation' }).click();
    await guest.waitForURL(`**/orgs/${org.slug}`);
    expect(await guest.getByText('you are viewer').count()).toBe(1);
    await guest.goto(`${app.url}/orgs/${org.slug}/connections`);
    expect(await guest.getByRole('button', { name: 'Save connection' }).count()).toBe(0);
    await guest.goto(`${app.url}/orgs/${org.slug}/pipelines`);
    expect(await guest.getByRole('link', { name: 'New pipeline' }).count()).toBe(0);
    await guest.goto(`${app.url}/orgs/${org.slug}/members`);
    expect(await guest.getByRole('combobox', { name: /^Role of/ }).count()).toBe(0);

    await admin.reload();
    expect(await admin.getByRole('combobox', { name: `Role of ${newcomer}` }).inputValue()).toBe('VIEWER');
  });

  it('revokes an invitation, removes a member (cut off at once) and keeps the last owner from leaving', async () => {
    const team = await seedOrganization(['OWNER', 'ADMIN', 'VIEWER']);
    const signedIn = async (role: 'OWNER' | 'ADMIN' | 'VIEWER') => {
      const page = await (await browser.newContext()).newPage();
      page.on('dialog', (dialog) => dialog.accept());
      await signInAs(page, app.url, team.emails[role] as string);
      return page;
    };
    const [owner, admin, viewer] = await Promise.all([
      signedIn('OWNER'),
      signedIn('ADMIN'),
      signedIn('VIEWER'),
    ]);
    const members = `${app.url}/orgs/${team.slug}/members`;

    await admin.goto(members);
    await admin.getByLabel('Email').fill(newcomer);
    await admin.getByRole('button', { name: 'Create invitation link' }).click();
    await admin.getByRole('button', { name: `Revoke invitation of ${newcomer}` }).click();
    await admin
      .getByRole('button', { name: `Revoke invitation of ${newcomer}` })
      .waitFor({ state: 'detached' });
    await viewer.goto(members);
    const viewerEmail = team.emails.VIEWER as string;
    expect(await admin.getByRole('button', { name: `Remove ${team.emails.OWNER}` }).count()).toBe(0);
    await admin.getByRole('button', { name: `Remove ${viewerEmail}` }).click();
    await admin.getByRole('button', { name: `Remove ${viewerEmail}` }).waitFor({ state: 'detached' });
    const again = await viewer.reload();
    expect(again?.status()).toBe(404);
    expect(await viewer.getByRole('combobox').count()).toBe(0);
    await screenshot(admin, 'members-removed');

    await owner.goto(members);
    await owner.getByRole('button', { name: 'Leave organization' }).click();
    await owner.getByRole('alert').filter({ hasText: 'at least one owner' }).waitFor();
    await admin.getByRole('button', { name: 'Leave organization' }).click();
    await admin.waitForURL(/\/orgs$/);
  });
});
