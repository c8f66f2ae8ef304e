import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, signInAs } from './testing/accounts';
import { launchBrowser } from './testing/browser';
import { startWebApp } from './testing/next-server';

const expectBasics = (response: Response) => {
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
};

describe('security headers on every answer of next start', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('pages carry a policy whose nonce is on every script of the page, fresh per request', async () => {
    const nonces = new Set<string>();
    for (const path of ['/', '/sign-in', '/sign-up', '/reset-password', '/share/no-such-token']) {
      const response = await fetch(`${app.url}${path}`);
      expectBasics(response);
      const policy = response.headers.get('content-security-policy') as string;
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).not.toContain('unsafe-eval');
      const nonce = policy.match(/'nonce-([^']+)'/)?.[1] as string;
      expect(nonce).toBeTruthy();
      nonces.add(nonce);
      const scripts = [...(await response.text()).matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    }
    expect(nonces.size).toBe(5);
  });

  it('API routes, refused bodies and static files carry them too', async () => {
    const health = await fetch(`${app.url}/api/health`);
    expectBasics(health);
    expect(health.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    const trpc = await fetch(`${app.url}/api/trpc/health`);
    expectBasics(trpc);
    expect(trpc.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const refused = await fetch(`${app.url}/api/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(8 * 1024),
    });
    expect(refused.status).toBe(413);
    expectBasics(refused);
    const page = await (await fetch(`${app.url}/sign-in`)).text();
    const chunk = page.match(/src="(\/_next\/static\/[^"]+\.js)"/)?.[1] as string;
    expect(chunk).toBeTruthy();
    expectBasics(await fetch(`${app.url}${chunk}`));
  });

  it('the app still works in a browser under the policy: no violation reported while signing in and browsing', async () => {
    const org = await seedOrganization(['OWNER']);
    const page = await (await browser.newContext()).newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await signInAs(page, app.url, org.emails.OWNER as string);
    for (const tab of ['', '/pipelines', '/members', '/audit']) {
      await page.goto(`${app.url}/orgs/${org.slug}${tab}`);
      await page.waitForLoadState('networkidle');
    }
    await page.goto(`${app.url}/account`);
    await page.getByRole('button', { name: 'Change password' }).waitFor();
    expect(violations).toEqual([]);
  });
});
