import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, signInAs, TEST_PASSWORD } from './testing/accounts';
import { launchBrowser } from './testing/browser';
import { startWebApp } from './testing/next-server';

const NEW_PASSWORD = 'a brand new passphrase';

describe('changing and resetting a password, in a real browser', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('resets a forgotten password from the mailed link, which signs out the other browser', async () => {
    const org = await seedOrganization(['EDITOR']);
    const email = org.emails.EDITOR as string;
    const other = await (await browser.newContext()).newPage();
    await signInAs(other, app.url, email);

    const page = await (await browser.newContext()).newPage();
    await page.goto(`${app.url}/sign-in`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Mail me a link' }).click();
    await page.getByText(`If an account has the address ${email}`).waitFor();
    // No SMTP here: the link is in the server log.
    const link = app
      .output()
      .match(new RegExp(`mail to ${email}[^\\n]*\\n[^\\n]*\\n(http\\S+)`))?.[1] as string;
    expect(link).toMatch(/\/reset-password\/floe_pwr_/);

    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL(/\/sign-in\?reset=1/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/orgs\//);

    await other.goto(`${app.url}/orgs/${org.slug}`);
    await other.waitForURL(/\/sign-in/);

    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('this link is not valid or was used already').waitFor();
  });

  it('changes the password given the current one, keeping this browser signed in', async () => {
    const org = await seedOrganization(['VIEWER']);
    const page = await (await browser.newContext()).newPage();
    await signInAs(page, app.url, org.emails.VIEWER as string);
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    await page.getByLabel('Current password').fill('not the password');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('the current password is not right').waitFor();
    await page.getByLabel('Current password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor();
    await page.goto(`${app.url}/orgs/${org.slug}`);
    expect(page.url()).toContain(`/orgs/${org.slug}`);
  });
});
