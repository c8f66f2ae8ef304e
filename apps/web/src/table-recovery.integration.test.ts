import { createPrismaClient, type Prisma } from '@floe/db';
import { agentQueueName, decodeJobEnvelope, QUEUE_PREFIX } from '@floe/protocol';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, seedPipelinePrerequisites, signInAs } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

// Recovery on the table page against the built app: the snapshot list the agent described (a
// table.described event, as an agent sends it), an editor's tag and an admin's rollback put real
// table.tag / table.rollback jobs on the agent's queue, and their outcome is shown (the agent side is
// proven in apps/agent's table-recovery test).

describe('recovery on the table page, in a real browser', () => {
  const db = createPrismaClient();
  const redis = new Redis(process.env.REDIS_URL as string);
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let admin: Page;
  let agentId = '';
  const pipelineId = `pl-rec-${Date.now()}`;

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

  const answered = new Set<string>();

  /** Answers the page's unanswered table.describe jobs with this table. */
  async function describe(
    currentSnapshotId: string,
    refs: { name: string; type: 'tag'; snapshotId: string }[],
  ) {
    let asks: Awaited<ReturnType<typeof queued>> = [];
    // The page asks once it loads, and again after each recovery action: wait for an unanswered ask.
    for (const deadline = Date.now() + 20_000; asks.length === 0 && Date.now() < deadline; ) {
      asks = (await queued()).filter((j) => j.job.kind === 'table.describe' && !answered.has(j.jobId));
      if (asks.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    for (const ask of asks) answered.add(ask.jobId);
    const snapshot = (id: string, timestampMs: number, onMain: boolean) => ({
      snapshotId: id,
      timestampMs,
      operation: 'append',
      writer: 'ingest',
      schemaId: 0,
      addedRecords: 100,
      deletedRecords: 0,
      addedDataFiles: 1,
      deletedDataFiles: 0,
      addedDeleteFiles: 0,
      addedFilesBytes: 2048,
      onMain,
    });
    const description = {
      formatVersion: 2,
      currentSchemaId: 0,
      columns: [{ id: 1, path: ['seq'], type: 'long', elementType: null, required: false }],
      schemaHistory: [
        { schemaId: 0, columns: 1, added: ['seq'], addedCount: 1, dropped: [], droppedCount: 0 },
      ],
      partitionSpec: [],
      currentSnapshotId,
      refs,
      snapshots: [
        snapshot('3', 3000, currentSnapshotId === '3'),
        snapshot('2', 2000, true),
        snapshot('1', 1000, true),
      ],
      totalSnapshots: 3,
      totals: { records: 300, dataFiles: 3, deleteFiles: 0, filesBytes: 6144 },
      fileSizes: null,
    };
    for (const ask of asks) await report({ type: 'table.described', jobId: ask.jobId, description });
  }

  const outcomeOf = async (kind: string, result: Prisma.InputJsonObject) => {
    const job = (await queued()).find((j) => j.job.kind === kind);
    await report({ type: 'job.finished', jobId: job?.jobId as string, result });
    return job;
  };

  it('tags a snapshot, rolls main back to it, and drops the tag, from the snapshot list', async () => {
    await admin.goto(`${app.url}/orgs/${org.slug}/pipelines/${pipelineId}/table`);
    await admin.getByText(/Reading the table's metadata/).waitFor();
    await describe('3', []);
    const snapshots = admin.getByRole('table', { name: 'Snapshots' });
    await snapshots.waitFor();
    // Main's head is marked, and only earlier snapshots of main can be rolled back to.
    expect(await snapshots.getByRole('button', { name: 'Roll back main here' }).count()).toBe(2);

    await admin.getByLabel('Tag name for snapshot 2').fill('before-incident');
    await snapshots
      .getByRole('row')
      .filter({ hasText: '1970-01-01 00:00:02' })
      .getByRole('button', { name: 'Tag' })
      .click();
    await admin.getByText('Tag before-incident: the agent is on it…').waitFor();
    const tag = await outcomeOf('table.tag', { tag: 'before-incident', snapshotId: '2', refs: 2 });
    expect(tag?.job).toMatchObject({ name: 'before-incident', snapshotId: '2' });
    await admin.getByText('Tag before-incident: done').waitFor();
    await describe('3', [{ name: 'before-incident', type: 'tag', snapshotId: '2' }]);
    await admin.getByRole('list', { name: 'Tags and branches' }).getByText('before-incident').waitFor();

    admin.once('dialog', (dialog) => void dialog.accept());
    await snapshots
      .getByRole('row')
      .filter({ hasText: '1970-01-01 00:00:02' })
      .getByRole('button', { name: 'Roll back main here' })
      .click();
    await admin.getByText('Roll back to 2: the agent is on it…').waitFor();
    const rollback = await outcomeOf('table.rollback', {
      toSnapshotId: '2',
      recordsToReread: '100',
      restarted: true,
    });
    expect(rollback?.job).toMatchObject({ snapshotId: '2', pipeline: { id: pipelineId } });
    await admin.getByText('Roll back to 2: done — the pipeline reads 100 records again from Kafka').waitFor();
    await describe('2', [{ name: 'before-incident', type: 'tag', snapshotId: '2' }]);
    await admin.waitForFunction(
      () =>
        document.querySelectorAll('button').length > 0 &&
        [...document.querySelectorAll('button')].filter((b) => b.textContent === 'Roll back main here')
          .length === 1,
    );

    await admin
      .getByRole('list', { name: 'Tags and branches' })
      .getByRole('button', { name: 'Drop' })
      .click();
    await admin.getByText('Drop tag before-incident: the agent is on it…').waitFor();
    await outcomeOf('table.untag', { tag: 'before-incident', removed: true, refs: 1 });
    await admin.getByText('Drop tag before-incident: done').waitFor();
    await screenshot(admin, 'table-recovery');

    const audit = await db.auditEvent.findMany({
      where: { organizationId: org.id, action: { startsWith: 'recovery.' } },
    });
    expect(audit.map((a) => a.action).sort()).toEqual([
      'recovery.rollback',
      'recovery.tag',
      'recovery.untag',
    ]);
  }, 120_000);
});
