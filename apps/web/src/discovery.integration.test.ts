import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAgent } from '@floe/api';
import { createPrismaClient } from '@floe/db';
import { RestCatalog } from '@floe/iceberg';
import { createKafka } from '@floe/ingest';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, seedPipelinePrerequisites, signInAs } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

// A new user's way through, in Debian's Chromium against the built web app and a real agent process:
// pick a topic from the list the agent discovered, take the proposed schema with one field changed to
// a timestamp, partition by its day, create, and see the first snapshot on the table page, then query
// the table with the page's own pyiceberg snippet. The records carry a canary: no API response the
// browser got, no row in Postgres, no key in Redis and no line of the web app's log holds it.

const env = process.env;
const run = randomBytes(4).toString('hex');
const namespace = `wiz_${run}`;
const topic = `${namespace}.orders`;
const canary = `floe-canary-${run}`;
const RECORDS = 30;
const agentBin = resolve(import.meta.dirname, '../../agent/bin/floe-agent.mjs');
const failures = resolve(import.meta.dirname, '../test-results');
const brokers = (env.FLOE_KAFKA_BROKERS as string).split(',');
const kafka = createKafka({ brokers, clientId: 'discovery-test', logLevel: 'error' });
const db = createPrismaClient();

let app: Awaited<ReturnType<typeof startWebApp>>;
let browser: Browser;
let page: Page;
let agent: ChildProcess | undefined;
let agentLog = '';
const responses: string[] = [];
const browserErrors: string[] = [];

/** Runs a step; on failure saves what the browser showed under apps/web/test-results/. */
async function step<T>(name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    mkdirSync(failures, { recursive: true });
    await page.screenshot({ path: join(failures, `discovery-${name}.png`), fullPage: true }).catch(() => {});
    throw new Error(
      `${name}: ${(error as Error).message}\nagent log:\n${agentLog.slice(-2000)}\nweb app log:\n${app.output().slice(-2000)}\nbrowser errors:\n${browserErrors.join('\n')}`,
    );
  }
}

async function until(what: string, check: () => Promise<boolean>, ms = 90_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; agent log:\n${agentLog.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  await new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string }).createNamespace([namespace]);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: RECORDS }, (_, i) => ({
      key: `order-${i}`,
      value: JSON.stringify({
        order_id: `order-${i}`,
        ordered_at: new Date(Date.UTC(2026, 0, 1 + (i % 2), 12)).toISOString(),
        amount: i * 1.5,
        note: `${canary} ${i}`,
      }),
    })),
  });
  await producer.disconnect();
  [app, browser] = await Promise.all([startWebApp(), launchBrowser()]);
  page = await (await browser.newContext()).newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') browserErrors.push(message.text());
  });
  page.on('response', async (response) => {
    if (response.status() >= 400) browserErrors.push(`${response.status()} ${response.url()}`);
    if (response.url().includes('/api/')) responses.push(await response.text().catch(() => ''));
  });
}, 180_000);

afterAll(async () => {
  agent?.kill('SIGTERM');
  await browser?.close();
  await app?.stop();
  await db.$disconnect();
});

describe('discovery in the wizard, and the table page, in a real browser', () => {
  it('says when no agent is online, and leaves the topics to type', async () => {
    const org = await seedOrganization(['EDITOR']);
    await seedPipelinePrerequisites(org.id);
    await signInAs(page, app.url, org.emails.EDITOR as string);
    await step('no-agent', async () => {
      await page.goto(`${app.url}/orgs/${org.slug}/pipelines/new`);
      // The schema step has its own notice, hidden until that step.
      await page.getByText('No agent is online').filter({ visible: true }).waitFor();
      expect(await page.getByRole('button', { name: 'List topics' }).count()).toBe(0);
      await page.getByLabel('Topics', { exact: true }).fill('orders');
      await screenshot(page, 'discovery-no-agent');
    });
    await page.context().clearCookies();
  });

  it('discovers, proposes, creates, and shows the first snapshot', { timeout: 6 * 60_000 }, async () => {
    const org = await seedOrganization(['OWNER']);
    const { agent: agentRow, installToken } = await createAgent(db, org.id, 'home-agent');
    for (const [name, config] of Object.entries({
      kafka: { type: 'kafka', kafka: { bootstrapServers: brokers, security: { protocol: 'PLAINTEXT' } } },
      lake: {
        type: 'storage',
        storage: {
          bucket: env.FLOE_WAREHOUSE_BUCKET,
          prefix: `wizard-${run}`,
          region: env.FLOE_AWS_REGION,
          endpoint: env.FLOE_S3_ENDPOINT,
        },
      },
      catalog: {
        type: 'catalog',
        catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
      },
    }))
      await db.connection.create({ data: { organizationId: org.id, name, type: config.type, config } });
    const aws = {
      AWS_ACCESS_KEY_ID: env.FLOE_AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.FLOE_AWS_SECRET_ACCESS_KEY,
      AWS_REGION: env.FLOE_AWS_REGION,
    };
    agent = spawn(
      process.execPath,
      [agentBin, 'start', '--control-plane', app.url, '--token', installToken],
      {
        env: { ...env, ...aws, FLOE_AGENT_STATE_DIR: mkdtempSync(join(tmpdir(), 'floe-wizard-agent-')) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    agent.stdout?.on('data', (c: Buffer) => {
      agentLog += c;
    });
    agent.stderr?.on('data', (c: Buffer) => {
      agentLog += c;
    });
    await until('the agent to come online', async () =>
      Boolean((await db.agent.findUniqueOrThrow({ where: { id: agentRow.id } })).lastHeartbeatAt),
    );

    await signInAs(page, app.url, org.emails.OWNER as string);
    await step('source', async () => {
      await page.goto(`${app.url}/orgs/${org.slug}/pipelines/new`);
      await page.getByLabel('Pipeline name').fill('orders');
      await page.getByRole('button', { name: 'List topics' }).click();
      await page.getByLabel('Search topics').fill(run);
      const listed = page.getByRole('list', { name: 'Discovered topics' }).getByRole('listitem');
      await listed.first().waitFor();
      expect(await listed.count()).toBe(1);
      expect(await listed.textContent()).toContain(`1 partition · kept`);
      expect(await listed.textContent()).toContain(`delete · ~${RECORDS} records`);
      await screenshot(page, 'discovery-topics');
      await listed.getByRole('checkbox').check();
      expect(await page.getByLabel('Topics', { exact: true }).inputValue()).toBe(topic);
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('button', { name: 'Next' }).click();
    });

    await step('table', async () => {
      // Named after the topic.
      expect(await page.getByLabel('Namespace').inputValue()).toBe(namespace);
      expect(await page.getByLabel('Table name').inputValue()).toBe('orders');
      await page.getByRole('button', { name: `Propose a schema from ${topic}` }).click();
      const columns = page.getByRole('table', { name: 'Proposed columns' });
      await columns.waitFor();
      expect(await page.getByTestId('sample-summary').textContent()).toContain(`${RECORDS} records sampled`);
      const row = (field: string) => columns.getByRole('row').filter({ hasText: field });
      expect(await row('ordered_at').textContent()).toContain('a time (iso8601)');
      expect(await row('order_id').textContent()).toContain('the record key');
      expect(await row('amount').textContent()).toContain('double');
      expect(await row('_kafka').textContent()).toContain('added by Floe');
      await page.getByLabel('Store ordered_at as').selectOption('iso8601');
      expect(await page.getByLabel('Timestamp fields').inputValue()).toBe('ordered_at:iso8601');
      await page.getByLabel('Partition field').selectOption('ordered_at');
      await page.getByLabel('Transform').selectOption('day');
      await page.getByRole('button', { name: 'Add partition field' }).click();
      expect(await page.getByLabel('Partition by').inputValue()).toBe('day(ordered_at)');
      expect(await page.getByTestId('partition-layout').textContent()).toBe(
        'data/ordered_at_day=YYYY-MM-DD/',
      );
      await screenshot(page, 'discovery-schema');
      await page.getByRole('button', { name: 'Next' }).click();
    });

    const pipelineId = await step('policies', async () => {
      expect(await page.getByLabel('Dead-letter topic').inputValue()).toBe(`${topic}.dlq`);
      await page.getByLabel('Commit interval (seconds)').fill('1');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('button', { name: 'Create pipeline' }).click();
      await page.waitForURL(/\/pipelines\?created=pl-/);
      return new URL(page.url()).searchParams.get('created') as string;
    });

    await step('table-page', async () => {
      await until('the first snapshot on the table page', async () => {
        await page.goto(`${app.url}/orgs/${org.slug}/pipelines/${pipelineId}/table`);
        const snapshots = page.getByRole('table', { name: 'Snapshots' });
        await Promise.race([
          snapshots.waitFor(),
          page.getByText('No snapshot yet').waitFor(),
          // Not any alert: Next's route announcer is one.
          page.getByText('could not read the table').waitFor(),
        ]);
        return (
          (await snapshots.count()) > 0 &&
          (await page.getByTestId('table-Records').textContent()) === String(RECORDS)
        );
      });
      const columns = page.getByRole('table', { name: 'Columns' });
      expect(await columns.getByRole('row').filter({ hasText: 'ordered_at' }).textContent()).toContain(
        'timestamptz',
      );
      expect(await page.getByRole('list', { name: 'Partition spec' }).textContent()).toBe(
        'day(ordered_at) → ordered_at_day',
      );
      expect(await page.getByRole('table', { name: 'Snapshots' }).textContent()).toContain('Floe ingest');
      const sizes = page.getByRole('figure', { name: 'Data files by size' });
      expect(await sizes.locator('.recharts-label').allTextContents()).toEqual(['File size', 'Data files']);
      expect(await sizes.locator('.recharts-cartesian-axis-tick-value').first().textContent()).toBe(
        '< 1 MiB',
      );
      await screenshot(page, 'discovery-table-page');
      // The page's pyiceberg snippet, run as a reader would: it reads the rows the pipeline wrote.
      const snippet = (await page.getByTestId('snippet-pyiceberg').textContent()) ?? '';
      const out = execFileSync(env.FLOE_PYTHON as string, ['-c', snippet.replace('limit=10', 'limit=100')], {
        env: { ...env, ...aws },
      }).toString();
      expect(out).toContain(`${canary} 0`);
      expect(out).toContain('ordered_at: timestamp[us, tz=UTC]');
    });

    // The canary stayed home: nothing the browser got, Postgres, Redis or the web app's log holds it.
    expect(responses.join('\n')).not.toContain(canary);
    expect(await page.content()).not.toContain(canary);
    const version = readdirSync('/usr/lib/postgresql').sort().at(-1) as string;
    const dump = execFileSync(
      join('/usr/lib/postgresql', version, 'bin', 'pg_dump'),
      ['--data-only', env.DATABASE_URL as string],
      {
        maxBuffer: 512 * 1024 * 1024,
      },
    ).toString();
    expect(dump).toContain(topic);
    expect(dump).not.toContain(canary);
    const redis = new Redis(env.REDIS_URL as string);
    const keys = await redis.keys(`floe:agent-${agentRow.id}:*`);
    const stored = await Promise.all(
      keys.map(async (k) => ((await redis.type(k)) === 'hash' ? JSON.stringify(await redis.hgetall(k)) : '')),
    );
    redis.disconnect();
    expect(stored.join('\n')).not.toContain(canary);
    expect(app.output()).not.toContain(canary);
  });
});
