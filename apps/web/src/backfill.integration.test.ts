import { createPrismaClient, type Prisma } from '@floe/db';
import { agentQueueName, decodeJobEnvelope, QUEUE_PREFIX } from '@floe/protocol';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, seedPipelinePrerequisites, signInAs } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

// The Backfills section of the pipeline page against the built app: an admin's click puts a real
// pipeline.backfill job on the agent's queue, and what the agent reports about it (job events, as an
// agent sends them: the agent side is proven in apps/agent's backfill tests) shows as progress, a
// validation and a cutover.

describe('backfills on the pipeline page, in a real browser', () => {
  const db = createPrismaClient();
  const redis = new Redis(process.env.REDIS_URL as string);
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let admin: Page;
  let agentId = '';
  const pipelineId = `pl-bf-${Date.now()}`;

  /** The jobs on the agent's queue, decoded as the agent decodes them. */
  async function queued() {
    const keys = await redis.keys(`${QUEUE_PREFIX}:${agentQueueName(agentId)}:*`);
    const jobs = [];
    for (const key of keys) {
      if ((await redis.type(key)) !== 'hash') continue;
      const data = await redis.hget(key, 'data');
      if (data !== null) jobs.push(decodeJobEnvelope(JSON.parse(data)));
    }
    return jobs;
  }

  const report = (payload: Prisma.InputJsonObject & { type: string }) =>
    db.agentEvent.create({ data: { agentId, type: payload.type, payload, sentAt: new Date() } });

  beforeAll(async () => {
    [app, browser, org] = await Promise.all([startWebApp(), launchBrowser(), seedOrganization(['ADMIN'])]);
    await seedPipelinePrerequisites(org.id);
    // Online: recovery and backfill jobs go only to an agent that is.
    ({ id: agentId } = await db.agent.update({
      where: { id: (await db.agent.findFirstOrThrow({ where: { organizationId: org.id } })).id },
      data: { lastHeartbeatAt: new Date(Date.now() + 3_600_000) },
    }));
    await db.pipeline.create({
      data: {
        id: pipelineId,
        organizationId: org.id,
        name: 'orders',
        status: 'RUNNING',
        agentId,
        currentVersion: 1,
        versions: {
          create: {
            version: 1,
            createdById: agentId,
            spec: {
              id: pipelineId,
              name: 'orders',
              version: 1,
              source: { bootstrapServers: ['b:9092'], topics: ['orders.v1'] },
              format: { value: 'json' },
              table: {
                catalog: { type: 'rest', uri: 'http://catalog.internal', warehouse: 's3://acme-lake/' },
                namespace: ['sales'],
                name: 'orders',
                storage: { bucket: 'acme-lake', region: 'eu-west-1' },
              },
            },
          },
        },
      },
    });
    admin = await (await browser.newContext()).newPage();
    await signInAs(admin, app.url, org.emails.ADMIN as string);
  }, 120_000);

  afterAll(async () => {
    const keys = await redis.keys(`${QUEUE_PREFIX}:${agentQueueName(agentId)}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await db.$disconnect();
    await browser?.close();
    await app?.stop();
  });

  it('starts a backfill, shows its progress, validation and cutover as the agent reports them', async () => {
    await admin.goto(`${app.url}/orgs/${org.slug}/pipelines/${pipelineId}`);
    await admin.getByText('No backfill yet.').waitFor();
    await admin.getByLabel('Records per second at most').fill('5000');
    await admin.getByLabel('Wait while the live pipeline lags more than (records)').fill('20000');
    // A new partition spec, written as in the wizard: a bad one gets its message on the field.
    const partitionBy = admin.getByLabel('Re-partition by');
    await partitionBy.fill('day(ordered_at');
    await admin.getByRole('button', { name: 'Start backfill' }).click();
    await admin.getByText('"day(ordered_at" is not transform(column)').waitFor();
    expect(await partitionBy.getAttribute('aria-invalid')).toBe('true');
    expect(await queued()).toEqual([]);
    await partitionBy.fill('day(ordered_at)');
    await admin.getByRole('button', { name: 'Start backfill' }).click();
    const item = admin.getByRole('list', { name: 'Backfills' }).getByRole('listitem');
    await item.getByText('Rebuild: sent to the agent').waitFor();
    const [sent] = (await queued()).filter((j) => j.job.kind === 'pipeline.backfill');
    if (sent === undefined) throw new Error('no pipeline.backfill job was queued');
    expect(sent.job).toMatchObject({
      start: 'earliest',
      end: 'now',
      maxRecordsPerSecond: 5000,
      maxLiveLagRecords: 20000,
      partitionBy: [{ source: 'ordered_at', transform: 'day' }],
    });
    await item.getByText('re-partitioned by day(ordered_at)').waitFor();
    const backfillId = (sent.job as { backfillId: string }).backfillId;

    await report({
      type: 'job.progress',
      jobId: sent.jobId as string,
      fraction: 0.4,
      message: '400 of 1000 records, 0 dead letters, about 3 s to go',
    });
    await item.getByText('Rebuild: 400 of 1000 records, 0 dead letters, about 3 s to go').waitFor();
    expect(await item.getByRole('progressbar', { name: 'Backfill progress' }).getAttribute('value')).toBe(
      '0.4',
    );

    await report({
      type: 'job.finished',
      jobId: sent.jobId as string,
      result: { records: 1000, deadLetters: 0 },
    });
    await item.getByText('Rebuild: done: 1000 records, 0 dead letters').waitFor();
    await item.getByRole('button', { name: 'Validate' }).click();
    await item.getByText('Validation: sent to the agent').waitFor();
    const validate = (await queued()).find((j) => j.job.kind === 'pipeline.backfill-validate');
    expect(validate?.job).toMatchObject({ backfillId });
    await report({
      type: 'job.finished',
      jobId: validate?.jobId as string,
      result: {
        valid: true,
        rows: 1000,
        offsets: 1000,
        deadLetters: 0,
        duplicates: 0,
        outsideRange: 0,
        schemaProblems: '',
      },
    });
    await item
      .getByText(
        'Validation: valid: 1000 rows for 1000 offsets and 0 dead letters, 0 twice, 0 outside the range',
      )
      .waitFor();

    admin.once('dialog', (dialog) => void dialog.accept());
    await item.getByRole('button', { name: 'Cut over' }).click();
    await item.getByText('Cutover: sent to the agent').waitFor();
    const cut = (await queued()).find((j) => j.job.kind === 'pipeline.backfill-cutover');
    const cutoverAtMs = Date.UTC(2026, 11, 5, 12, 0, 0);
    await report({
      type: 'job.finished',
      jobId: cut?.jobId as string,
      result: { valid: true, rows: 1200, snapshotId: '42', cutoverAtMs },
    });
    await item.getByText('Cutover: main is snapshot 42 since 2026-12-05 12:00:00 UTC (1200 rows)').waitFor();
    expect(await item.getByRole('button').count()).toBe(0);
    await screenshot(admin, 'backfill-cutover');

    const audit = await db.auditEvent.findMany({
      where: { organizationId: org.id, action: { startsWith: 'backfill.' } },
    });
    expect(audit.map((a) => a.action).sort()).toEqual([
      'backfill.cutover',
      'backfill.start',
      'backfill.validate',
    ]);
  }, 120_000);

  it('says in words why a backfill failed', async () => {
    const earlier = new Set((await queued()).map((j) => j.jobId));
    await admin.getByLabel('Re-partition by').fill('');
    await admin.getByRole('button', { name: 'Start backfill' }).click();
    const item = admin.getByRole('list', { name: 'Backfills' }).getByRole('listitem').first();
    await item.getByText('Rebuild: sent to the agent').waitFor();
    const sent = (await queued()).find((j) => j.job.kind === 'pipeline.backfill' && !earlier.has(j.jobId));
    await report({
      type: 'job.failed',
      jobId: sent?.jobId as string,
      errorClass: 'BackfillError',
      message: 'orders.v1 partition 0: offset 0 is no longer in the topic (retention removed it)',
    });
    await item
      .getByText(
        'Rebuild: failed: orders.v1 partition 0: offset 0 is no longer in the topic (retention removed it)',
      )
      .waitFor();
    await screenshot(admin, 'backfill-failed');
  });
});
