import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'floe-chromium-')), {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await context.newPage();
      await page.goto(app.url);
      await expect(page.title()).resolves.toContain('Floe');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Iceberg tables');
      expect(await page.getByTestId('control-plane-status').textContent()).toBe('control plane database: up');
      const shots = resolve(import.meta.dirname, '../e2e/screenshots');
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, 'landing.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('keeps tRPC procedures behind sign-in', async () => {
    const res = await fetch(`${app.url}/api/trpc/org.mine`);
    expect(res.status).toBe(401);
  });
});
