import { createPrismaClient } from '@floe/db';
import { agentQueueName, QUEUE_PREFIX } from '@floe/protocol';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, seedPipelinePrerequisites, signInAs } from './testing/accounts';
import { launchBrowser, screenshot } from './testing/browser';
import { startWebApp } from './testing/next-server';

// What the agent reported for a compaction (the result keys of table.compact).
const compactResult = {
  filesBefore: 57,
  filesAfter: 3,
  filesRewritten: 55,
  filesWritten: 1,
  bytesRewritten: 52_428_800,
  bytesWritten: 50_331_648,
  rowsRewritten: 120_000,
  partitionsTouched: 2,
  durationMs: 8_400,
};

describe('table maintenance on the pipeline page, in a real browser', () => {
  const db = createPrismaClient();
  let app: Awaited<ReturnType<typeof startWebApp>>;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let editor: Page;
  let pipelineUrl = '';
  let pipelineId = '';
  let agentId = '';

  beforeAll(async () => {
    [app, browser, org] = await Promise.all([
      startWebApp(),
      launchBrowser(),
      seedOrganization(['EDITOR', 'VIEWER']),
    ]);
    await seedPipelinePrerequisites(org.id);
    // Never heartbeats: the app's own scheduler leaves this agent's tables alone.
    ({ id: agentId } = await db.agent.findFirstOrThrow({ where: { organizationId: org.id } }));
    pipelineId = `pl-${org.slug}`;
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
    pipelineUrl = `${app.url}/orgs/${org.slug}/pipelines/${pipelineId}`;
    editor = await (await browser.newContext()).newPage();
    await signInAs(editor, app.url, org.emails.EDITOR as string);
  });

  afterAll(async () => {
    // The job that Run now queued for an agent that never comes.
    if (agentId) {
      const redis = new Redis(process.env.REDIS_URL as string);
      const keys = await redis.keys(`${QUEUE_PREFIX}:${agentQueueName(agentId)}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
    await db.$disconnect();
    await browser?.close();
    await app?.stop();
  });

  it('says what will happen before anything has run', async () => {
    await editor.goto(pipelineUrl);
    await editor.getByText('Nothing has run yet.').waitFor();
    expect(await editor.getByText('Nothing has run yet.').textContent()).toContain(
      'rewrites small files into files of about 128 MiB once 50 have piled up since the last compaction',
    );
    expect(await editor.getByTestId('next-table.compact').textContent()).toBe('0 of 50 small files so far');
  });

  it("shows a finished compaction's figures: files before → after, MB rewritten, duration", async () => {
    const finishedAt = new Date();
    const run = await db.maintenanceRun.create({
      data: {
        pipelineId,
        agentId,
        kind: 'table.compact',
        jobId: `job-${org.slug}`,
        status: 'FINISHED',
        sentAt: new Date(finishedAt.getTime() - 20_000),
        startedAt: new Date(finishedAt.getTime() - 10_000),
        finishedAt,
        result: compactResult,
      },
    });
    await editor.reload();
    const figures = editor.getByTestId(`run-figures-${run.id}`);
    await figures.waitFor();
    expect(await figures.textContent()).toBe('57 → 3 files · 52.4 MB rewritten');
    const row = editor.getByRole('row').filter({ has: figures });
    expect(await row.getByRole('cell').allTextContents()).toEqual([
      'Compaction',
      expect.stringMatching(/ UTC$/),
      'finished',
      '57 → 3 files · 52.4 MB rewritten',
      '8.4 s',
    ]);
    expect(await editor.getByRole('button', { name: /^Run .+ now$/ }).count()).toBe(3);
    await screenshot(editor, 'maintenance-runs');

    const viewer = await (await browser.newContext()).newPage();
    await signInAs(viewer, app.url, org.emails.VIEWER as string);
    await viewer.goto(pipelineUrl);
    await viewer.getByTestId(`run-figures-${run.id}`).waitFor();
    expect(await viewer.getByRole('button', { name: /^Run .+ now$/ }).count()).toBe(0);
    expect(await viewer.getByRole('form', { name: 'Maintenance policy' }).count()).toBe(0);
  });

  it('shows each step of a compaction, and the error of one that failed, and when it is tried again', async () => {
    const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000);
    // The newest first: a run that failed outright, then one whose data files landed but not its manifests.
    const partly = await db.maintenanceRun.create({
      data: {
        pipelineId,
        agentId,
        kind: 'table.compact',
        jobId: `job-${org.slug}-partly`,
        status: 'FINISHED',
        sentAt: at(15),
        startedAt: at(14),
        finishedAt: at(12),
        result: {
          ...compactResult,
          filesOutcome: 'rewritten',
          filesPlans: 2,
          manifestsOutcome: 'failed',
          manifestsError:
            'RewriteConflictError: sales.orders: 1 of the manifests to rewrite are no longer in the table',
        },
        error:
          'manifests: RewriteConflictError: sales.orders: 1 of the manifests to rewrite are no longer in the table',
      },
    });
    const failed = await db.maintenanceRun.create({
      data: {
        pipelineId,
        agentId,
        kind: 'table.compact',
        jobId: `job-${org.slug}-failed`,
        status: 'FAILED',
        sentAt: at(5),
        startedAt: at(4),
        finishedAt: at(2),
        error:
          'RewriteConflictError: data files: sales.orders: 3 of the files to replace are no longer in the table',
      },
    });
    // Enough small files for the next compaction: it waits for its retry, a minute after the failure.
    await db.agentEvent.create({
      data: {
        agentId,
        type: 'commit.report',
        sentAt: new Date(),
        payload: {
          type: 'commit.report',
          pipelineId,
          table: 'sales.orders',
          snapshotId: '1',
          committedAtMs: Date.now(),
          records: 10,
          bytes: 100,
          dataFiles: 60,
          deadLettered: 0,
          partitions: [],
        },
      },
    });
    await editor.reload();
    const cells = async (id: string) =>
      editor
        .getByRole('row')
        .filter({ has: editor.getByTestId(`run-figures-${id}`) })
        .getByRole('cell')
        .allTextContents();
    await editor.getByTestId(`run-figures-${failed.id}`).waitFor();
    expect((await cells(failed.id)).slice(2, 4)).toEqual([
      'failed',
      'RewriteConflictError: data files: sales.orders: 3 of the files to replace are no longer in the table',
    ]);
    expect((await cells(partly.id)).slice(2, 4)).toEqual([
      'finished, one step failed',
      '57 → 3 files · 52.4 MB rewritten (planned 2 times) · manifests not rewritten: RewriteConflictError: sales.orders: 1 of the manifests to rewrite are no longer in the table',
    ]);
    expect(await editor.getByTestId('next-table.compact').textContent()).toMatch(
      /^trying again \S+ \S+ UTC, after a failed run \(the table changed under it\)$/,
    );
    await screenshot(editor, 'maintenance-runs-retry');
  });

  it('saves the policy through the form, correcting invalid fields on the way', async () => {
    await editor.getByLabel('Small files before compacting').fill('1');
    await editor.getByRole('button', { name: 'Save policy' }).click();
    expect(await editor.locator('#maintenance-smallFileThreshold-error').textContent()).toBe(
      'at least 2 files',
    );

    await editor.getByLabel('Compaction', { exact: true }).selectOption('cron');
    await editor.getByLabel('Cron schedule').fill('0 3 * *');
    await editor.getByRole('button', { name: 'Save policy' }).click();
    expect(await editor.locator('#maintenance-compactionCron-error').textContent()).toMatch(/^five fields/);

    await editor.getByLabel('Small files before compacting').fill('20');
    await editor.getByLabel('Cron schedule').fill('30 2 * * *');
    await editor.getByRole('button', { name: 'Save policy' }).click();
    await editor.getByText('Policy saved.').waitFor();
    await editor.getByText('at "30 2 * * *" (cron, UTC)').waitFor();
    expect(await editor.getByTestId('next-table.compact').textContent()).toMatch(/^next \S+ 02:30 UTC$/);
  });

  it('Run now sends a job to the agent and lists the run', async () => {
    await editor.getByRole('button', { name: 'Run orphan removal now' }).click();
    await editor.getByText('sent, waiting for the agent').waitFor();
    expect(await editor.getByTestId('next-table.remove-orphans').textContent()).toMatch(/^out since /);
    expect(
      await db.maintenanceRun.count({ where: { pipelineId, kind: 'table.remove-orphans', status: 'SENT' } }),
    ).toBe(1);
  });

  it('shows the step a running compaction reported, as it reports it', async () => {
    const run = await db.maintenanceRun.create({
      data: {
        pipelineId,
        agentId,
        kind: 'table.compact',
        jobId: `job-${org.slug}-running`,
        status: 'RUNNING',
        startedAt: new Date(),
      },
    });
    await editor.reload();
    const figures = editor.getByTestId(`run-figures-${run.id}`);
    expect(await figures.textContent()).toBe('—');
    const step = 'step 2 of 2: rewriting manifests (data files: 57 → 3 files)';
    await db.agentEvent.create({
      data: {
        agentId,
        type: 'job.progress',
        sentAt: new Date(),
        payload: { type: 'job.progress', jobId: run.jobId, fraction: 0.5, message: step },
      },
    });
    await editor.reload();
    expect(await figures.textContent()).toBe(step);
    expect(
      await editor.getByRole('row').filter({ has: figures }).getByRole('cell').nth(2).textContent(),
    ).toBe('running');
  });
});
