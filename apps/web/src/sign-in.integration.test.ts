import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

describe('sign-up, sign-in and sign-out in a real browser', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  const run = randomBytes(4).toString('hex');
  const email = `ada-${run}@example.com`;
  const password = 'correct horse battery';
  let orgPath = '';

  const signIn = async (page: Page, withPassword = password) => {
    await page.goto(`${app.url}/sign-in`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(withPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  beforeAll(async () => {
    app = await startWebApp();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('signs up, with the invalid field’s message on that field until it is corrected', async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}/sign-up`);
    await page.getByLabel('Your name').fill('Ada Lovelace');
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByLabel('Organization').fill(`Analytical Engines ${run}`);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.locator('#password-error').textContent()).resolves.toBe('at least 10 characters');
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'sign-up-invalid');

    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/orgs\/analytical-engines-/);
    orgPath = new URL(page.url()).pathname;
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Analytical Engines ${run}`);
    await screenshot(page, 'org-overview');
    await page.getByRole('link', { name: 'Members' }).click();
    const role = page.getByRole('combobox', { name: `Role of ${email}` });
    expect(await role.inputValue()).toBe('OWNER');
    await page.close();
  });

  it('refuses a second account with the same email, on the email field', async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}/sign-up`);
    await page.getByLabel('Your name').fill('Someone');
    await page.getByLabel('Work email').fill(email.toUpperCase());
    await page.getByLabel('Password').fill(password);
    await page.getByLabel('Organization').fill('Another org');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.locator('#email-error').textContent()).resolves.toContain('exists');
    await page.close();
  });

  it('signs out, keeps the organization behind sign-in, and signs back in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, 'wrong password!');
    const formAlert = page.getByRole('form', { name: 'Sign in' }).getByRole('alert');
    await expect(formAlert.textContent()).resolves.toBe('email or password is wrong');
    await screenshot(page, 'sign-in-wrong-password');

    await signIn(page);
    await page.waitForURL(`**${orgPath}`);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${app.url}/`);
    await page.goto(`${app.url}${orgPath}`);
    await page.waitForURL(/\/sign-in\?callbackUrl=/);
    await context.close();
  });

  it('signs every browser out with "sign out everywhere"', async () => {
    const laptop = await (await browser.newContext()).newPage();
    const phone = await (await browser.newContext()).newPage();
    await signIn(laptop);
    await laptop.waitForURL(`**${orgPath}`);
    await signIn(phone);
    await phone.waitForURL(`**${orgPath}`);

    await laptop.getByRole('button', { name: 'Sign out everywhere' }).click();
    await laptop.waitForURL(/\/sign-in/);
    await phone.reload();
    await phone.waitForURL(/\/sign-in\?callbackUrl=/);
    expect(await phone.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to Floe');
  });

  it('hides an organization the user does not belong to', async () => {
    const page = await (await browser.newContext()).newPage();
    await signIn(page);
    await page.waitForURL(`**${orgPath}`);
    const res = await page.goto(`${app.url}/orgs/not-my-org-${run}`);
    expect(res?.status()).toBe(404);
  });
});
