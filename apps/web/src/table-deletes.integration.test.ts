import { createPrismaClient } from '@floe/db';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, seedPipelinePrerequisites, signInAs } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

// An upsert pipeline's table on the pipeline page, in a real browser: what its delete files cost
// readers (as the agent's commit reports and compactions state it), how far they are from the share
// at which compaction applies them, and the policy field that sets that share.

/** A commit report of an upsert pipeline: the table's totals after it, from its snapshot summary. */
const upsertCommit = (pipelineId: string, records: number, deleteFiles: number, positionDeletes: number) => ({
  type: 'commit.report',
  pipelineId,
  table: 'crm.accounts',
  snapshotId: '7',
  committedAtMs: Date.now(),
  records: 500,
  bytes: 40_000,
  dataFiles: 1,
  deleteFiles: 1,
  tableTotals: { records, deleteFiles, positionDeletes },
  deadLettered: 0,
  partitions: [],
});

describe('the deletes of an upsert table on the pipeline page, in a real browser', () => {
  const db = createPrismaClient();
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let editor: Page;
  let pipelineUrl = '';
  let pipelineId = '';
  let agentId = '';

  beforeAll(async () => {
    [app, browser, org] = await Promise.all([startWebApp(), launchBrowser(), seedOrganization(['EDITOR'])]);
    await seedPipelinePrerequisites(org.id);
    // Never heartbeats: the app's own scheduler leaves this agent's tables alone.
    ({ id: agentId } = await db.agent.findFirstOrThrow({ where: { organizationId: org.id } }));
    pipelineId = `pl-${org.slug}-accounts`;
    await db.pipeline.create({
      data: {
        id: pipelineId,
        organizationId: org.id,
        name: 'accounts',
        status: 'RUNNING',
        agentId,
        currentVersion: 1,
        versions: {
          create: {
            version: 1,
            createdById: agentId,
            spec: {
              id: pipelineId,
              name: 'accounts',
              version: 1,
              source: { bootstrapServers: ['b:9092'], topics: ['accounts.v1'] },
              format: { value: 'json', key: 'string' },
              changes: { mode: 'upsert', key: ['id'] },
              table: {
                catalog: { type: 'rest', uri: 'http://catalog.internal', warehouse: 's3://acme-lake/' },
                namespace: ['crm'],
                name: 'accounts',
                storage: { bucket: 'acme-lake', region: 'eu-west-1' },
              },
            },
          },
        },
      },
    });
    pipelineUrl = `${app.url}/orgs/${org.slug}/pipelines/${pipelineId}`;
    editor = await (await browser.newContext()).newPage();
    await signInAs(editor, app.url, org.emails.EDITOR as string);
  });

  afterAll(async () => {
    await db.$disconnect();
    await browser?.close();
    await app?.stop();
  });

  const text = (testId: string) => editor.getByTestId(testId).textContent();

  it('shows the delete files, deleted and live rows and read amplification the last commit reported', async () => {
    await db.agentEvent.create({
      data: {
        agentId,
        type: 'commit.report',
        sentAt: new Date(),
        payload: upsertCommit(pipelineId, 12_000, 37, 1_800),
      },
    });
    await editor.goto(pipelineUrl);
    await editor.getByRole('heading', { name: 'Deletes' }).waitFor();
    expect(await text('deletes-delete-files')).toBe('37');
    expect(await text('deletes-deleted-rows')).toBe('1,800 of 12,000 read (15%)');
    expect(await text('deletes-live-rows')).toBe('10,200');
    expect(await text('deletes-read-amplification')).toBe('1.18 rows read per live row');
    expect(await editor.getByText(/As of .+ UTC, the latest commit\./).count()).toBe(1);
    // Its data file and its delete file count among the small files; 15% is below the 20% that compacts.
    expect(await text('next-table.compact')).toBe(
      '2 of 50 small files so far · 15% of rows deleted (compacts at 20%)',
    );
    expect(await editor.getByText('Nothing has run yet.').textContent()).toContain(
      'or once delete files delete 20% of the rows readers read (applying them)',
    );
    await screenshot(editor, 'table-deletes');
  });

  it('shows what a compaction that applied the deletes left, and what it did in its run', async () => {
    const finishedAt = new Date();
    const result = {
      filesOutcome: 'rewritten',
      filesBefore: 40,
      filesAfter: 2,
      bytesRewritten: 3_400_000,
      deletedRowsRemoved: 1_800,
      deleteFilesBefore: 37,
      deleteFilesAfter: 0,
      rowsAfter: 10_200,
      deletedRowsAfter: 0,
      durationMs: 2_100,
    };
    // The agent's report of its end, after the commit's: what the compaction left is the newest figure.
    const jobId = `job-${org.slug}-deletes`;
    await db.agentEvent.create({
      data: {
        agentId,
        type: 'job.finished',
        sentAt: finishedAt,
        payload: { type: 'job.finished', jobId, result },
      },
    });
    const run = await db.maintenanceRun.create({
      data: {
        pipelineId,
        agentId,
        kind: 'table.compact',
        jobId,
        status: 'FINISHED',
        sentAt: new Date(finishedAt.getTime() - 20_000),
        startedAt: new Date(finishedAt.getTime() - 10_000),
        finishedAt,
        result,
      },
    });
    await editor.reload();
    await editor.getByTestId(`run-figures-${run.id}`).waitFor();
    expect(await text(`run-figures-${run.id}`)).toBe(
      '40 → 2 files · 3.4 MB rewritten · 1,800 deleted rows applied · 37 → 0 delete files',
    );
    expect(await text('deletes-delete-files')).toBe('0');
    expect(await text('deletes-deleted-rows')).toBe('0 of 10,200 read (0%)');
    expect(await text('deletes-read-amplification')).toBe('1.00 rows read per live row');
    expect(await editor.getByText(/As of .+ UTC, the latest compaction\./).count()).toBe(1);
  });

  it('saves the share of deleted rows that compacts, refusing one out of range', async () => {
    const share = editor.getByLabel('Deleted rows before compacting (%)');
    await share.fill('0');
    await editor.getByRole('button', { name: 'Save policy' }).click();
    expect(await editor.locator('#maintenance-deleteRatioPercent-error').textContent()).toBe('at least 1%');
    await share.fill('10');
    await editor.getByRole('button', { name: 'Save policy' }).click();
    await editor.getByText('Policy saved.').waitFor();
    await editor
      .getByText('or once delete files delete 10% of the rows readers read', { exact: false })
      .waitFor();
    const saved = await db.maintenancePolicy.findUniqueOrThrow({ where: { pipelineId } });
    expect(saved.settings).toMatchObject({ deleteRatioPercent: 10 });
    // A commit at 12% deleted: due now under the new share.
    await db.agentEvent.create({
      data: {
        agentId,
        type: 'commit.report',
        sentAt: new Date(),
        payload: upsertCommit(pipelineId, 10_000, 3, 1_200),
      },
    });
    await editor.reload();
    await editor.getByTestId('deletes-deleted-rows').waitFor();
    expect(await text('deletes-deleted-rows')).toBe('1,200 of 10,000 read (12%)');
    expect(await text('next-table.compact')).toBe('due now: goes out within a minute');
  });
});
