import { randomBytes } from 'node:crypto';
import { hashPassword } from '@floe/auth';
import { createPrismaClient } from '@floe/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from './testing/browser';
import { freePort, startWebApp } from './testing/next-server';
import { startOidcIssuer } from './testing/oidc-issuer';

describe('sign-in through an OpenID Connect provider configured by environment', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let idp: Awaited<ReturnType<typeof startOidcIssuer>>;
  let browser: Browser;

  beforeAll(async () => {
    const idpPort = await freePort();
    app = await startWebApp({
      FLOE_OIDC_ISSUER: `http://127.0.0.1:${idpPort}`,
      FLOE_OIDC_CLIENT_ID: 'floe',
      FLOE_OIDC_CLIENT_SECRET: 'floe-test-secret',
      FLOE_OIDC_NAME: 'Test IdP',
    });
    idp = await startOidcIssuer(idpPort, `${app.url}/api/auth/callback/oidc`);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await idp?.stop();
    await app?.stop();
  });

  it('signs a new user in with the provider and keeps the session in the database', async () => {
    const login = `sso-${randomBytes(4).toString('hex')}`;
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${app.url}/sign-in`);
    await page.getByRole('button', { name: 'Continue with Test IdP' }).click();
    await page.waitForURL(new RegExp(`^${idp.issuer}/interaction/`));
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('anything');
    await page.locator('button[type=submit]').click();
    // The provider's consent page, then back to Floe.
    await page.locator('button[type=submit]').click();
    await page.waitForURL(new RegExp(`^${app.url}/`));
    const session = await (await page.request.get(`${app.url}/api/auth/session`)).json();
    if (!session.user) throw new Error(`no session at ${page.url()}:\n${app.output().slice(-3000)}`);
    expect(session.user).toMatchObject({ email: `${login}@idp.test`, name: `IdP ${login}` });
    // A first SSO sign-in has no organization yet: Floe offers to create one.
    await page.goto(`${app.url}/orgs`);
    await page.waitForURL(`${app.url}/welcome`);
    await page.getByLabel('Organization', { exact: true }).fill('SSO Team');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/orgs\/sso-team/);
    expect(await page.getByText('you are owner').count()).toBe(1);
    await screenshot(page, 'oidc-signed-in');
  });

  it('does not let a login reach an account that registered its address without verifying it', async () => {
    const login = `sso-${randomBytes(4).toString('hex')}`;
    // Someone signed up with this person's address before them, and could not verify it.
    const db = createPrismaClient();
    try {
      await db.user.create({
        data: { email: `${login}@idp.test`, passwordHash: await hashPassword('the squatter knows this') },
      });
    } finally {
      await db.$disconnect();
    }
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${app.url}/sign-in`);
    await page.getByRole('button', { name: 'Continue with Test IdP' }).click();
    await page.waitForURL(new RegExp(`^${idp.issuer}/interaction/`));
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('anything');
    await page.locator('button[type=submit]').click();
    await page.locator('button[type=submit]').click();
    await page.waitForURL(`${app.url}/sign-in?error=OidcNotLinked`);
    expect(await page.getByText(/already has this email address/).count()).toBe(1);
    const session = await (await page.request.get(`${app.url}/api/auth/session`)).json();
    expect(session.user).toBeUndefined();
  });
});
