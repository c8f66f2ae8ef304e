import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

describe('the web app, built and served, in a real browser', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;

  beforeAll(async () => {
    app = await startWebApp();
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('answers its health check with the database up', async () => {
    const res = await fetch(`${app.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: 'up' });
  });

  it('renders the landing page in Chromium, reading the database status live', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(app.url);
      await expect(page.title()).resolves.toContain('Floe');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Iceberg tables');
      expect(await page.getByTestId('control-plane-status').textContent()).toBe('control plane database: up');
      await screenshot(page, 'landing');
    } finally {
      await browser.close();
    }
  });

  it('keeps tRPC procedures behind sign-in', async () => {
    const res = await fetch(`${app.url}/api/trpc/org.mine`);
    expect(res.status).toBe(401);
  });
});
