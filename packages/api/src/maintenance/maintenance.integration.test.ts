import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@floe/db';
import { agentQueueName, decodeJobEnvelope, type Job, QUEUE_PREFIX } from '@floe/protocol';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAgentEvents } from '../agents/events';
import { exampleContract, seedPipeline } from '../testing/contracted-pipeline';
import { scratchOrganization } from '../testing/scratch-organization';
import { DAY_MS, DEFAULT_POLICY } from './policy';
import { scheduleMaintenance } from './scheduler';

const EDITOR = 'editor@acme.test';
const VIEWER = 'viewer@acme.test';

const commitReport = (pipelineId: string, dataFiles: number) => ({
  type: 'commit.report',
  pipelineId,
  table: 'sales.orders',
  snapshotId: String(Date.now()),
  committedAtMs: Date.now(),
  records: 100,
  bytes: 4096,
  dataFiles,
  deadLettered: 0,
  partitions: [],
});

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

describe('table maintenance in the control plane (real Postgres and Redis)', () => {
  const redis = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
  let fixture: Awaited<ReturnType<typeof scratchOrganization>>;
  let db: PrismaClient;
  const pipelineId = `pl-${randomBytes(4).toString('hex')}`;
  const offlinePipelineId = `${pipelineId}-offline`;
  let agentId = '';
  let queue: Queue;
  const queues: Queue[] = [];

  const queueOf = (id: string) => {
    const q = new Queue(agentQueueName(id), { connection: redis, prefix: QUEUE_PREFIX });
    queues.push(q);
    return q;
  };
  const queued = async (q = queue): Promise<(Job & { jobId: string })[]> =>
    (await q.getJobs(['waiting'])).map((j) => {
      const envelope = decodeJobEnvelope(j.data);
      return { ...envelope.job, jobId: envelope.jobId };
    });
  /** What the pipeline's agent reports: its events, with a heartbeat (so it is online). */
  const report = async (events: object[], from = agentId) =>
    recordAgentEvents(db, await db.agent.findUniqueOrThrow({ where: { id: from } }), {
      protocolVersion: 1,
      sentAtMs: Date.now(),
      events: [{ type: 'heartbeat', agentVersion: '1.0.0', runningPipelines: [pipelineId] }, ...events],
    });
  const runOf = (jobId: string) => db.maintenanceRun.findUniqueOrThrow({ where: { jobId } });
  const get = () => fixture.as(VIEWER).maintenance.get({ orgSlug: 'acme', pipelineId });

  beforeAll(async () => {
    fixture = await scratchOrganization({ [EDITOR]: 'EDITOR', [VIEWER]: 'VIEWER' }, { redis });
    db = fixture.db;
    ({ agentId } = await seedPipeline(db, fixture.org.id, fixture.ids[EDITOR] as string, { id: pipelineId }));
    queue = queueOf(agentId);
  });

  afterAll(async () => {
    for (const q of queues) {
      await q.obliterate({ force: true });
      await q.close();
    }
    redis.disconnect();
    await fixture?.close();
  });

  it('before any policy is saved, shows the defaults and what each kind waits for', async () => {
    const { policy, saved, plan, runs } = await get();
    expect(saved).toBe(false);
    expect(policy).toEqual(DEFAULT_POLICY);
    expect(plan['table.compact']).toEqual({ state: 'small-files', files: 0, threshold: 50 });
    expect(plan['table.expire-snapshots'].state).toBe('at');
    expect(runs).toEqual([]);
  });

  it('sends table.compact to the agent once the small files since the last compaction reach the threshold', async () => {
    const editor = fixture.as(EDITOR);
    await editor.maintenance.savePolicy({
      orgSlug: 'acme',
      pipelineId,
      policy: { ...DEFAULT_POLICY, smallFileThreshold: 5, targetFileSizeMiB: 256 },
    });
    await report([commitReport(pipelineId, 2), commitReport(pipelineId, 2)]);
    expect(await scheduleMaintenance(db, redis, new Date())).toEqual({ sent: [], failures: [] });
    expect(await queued()).toEqual([]);

    await report([commitReport(pipelineId, 1)]);
    // Two control-plane instances schedule at the same moment: one compaction goes out.
    const passes = await Promise.all([1, 2].map(() => scheduleMaintenance(db, redis, new Date())));
    expect(passes.flatMap((p) => p.failures)).toEqual([]);
    expect(passes.flatMap((p) => p.sent)).toEqual([{ pipelineId, kind: 'table.compact' }]);
    const [job, ...more] = await queued();
    expect(more).toEqual([]);
    expect(job).toMatchObject({
      kind: 'table.compact',
      targetFileSizeBytes: 256 * 1024 * 1024,
      table: {
        catalog: { type: 'rest', uri: 'http://catalog:8181', warehouse: 's3://lake/' },
        namespace: ['sales'],
        name: 'orders',
        storage: { bucket: 'lake', region: 'eu-west-1' },
      },
    });
    expect(await runOf(job?.jobId as string)).toMatchObject({
      pipelineId,
      agentId,
      kind: 'table.compact',
      status: 'SENT',
      requestedById: null,
    });

    // Outstanding: however many more files arrive, no second compaction goes out.
    await report([commitReport(pipelineId, 10)]);
    expect((await scheduleMaintenance(db, redis, new Date())).sent).toEqual([]);
    expect(await queued()).toHaveLength(1);
    expect((await get()).plan['table.compact'].state).toBe('outstanding');
  });

  it("moves the run along with the agent's job events, and counts small files afresh after it", async () => {
    const [job] = await queued();
    const jobId = job?.jobId as string;
    await report([{ type: 'job.started', jobId }]);
    expect((await runOf(jobId)).status).toBe('RUNNING');

    // Another agent cannot touch this agent's runs, even with the job id.
    const stranger = await seedPipeline(db, fixture.org.id, fixture.ids[EDITOR] as string, {
      id: `${pipelineId}-other`,
      name: 'other',
    });
    await report([{ type: 'job.finished', jobId, result: { filesBefore: 1 } }], stranger.agentId);
    expect((await runOf(jobId)).status).toBe('RUNNING');

    await report([{ type: 'job.finished', jobId, result: compactResult }]);
    const finished = await runOf(jobId);
    expect(finished).toMatchObject({ status: 'FINISHED', result: compactResult, error: null });
    expect(finished.finishedAt).not.toBeNull();

    const { plan, runs } = await get();
    expect(plan['table.compact']).toEqual({ state: 'small-files', files: 0, threshold: 5 });
    expect(runs).toMatchObject([
      { kind: 'table.compact', status: 'FINISHED', trigger: 'schedule', result: compactResult },
    ]);
    expect((await scheduleMaintenance(db, redis, new Date())).sent).toEqual([]);
  });

  it('Run now: an editor sends the job at once (not twice), a viewer may not', async () => {
    const editor = fixture.as(EDITOR);
    await queue.drain();
    const { jobId } = await editor.maintenance.runNow({
      orgSlug: 'acme',
      pipelineId,
      kind: 'table.expire-snapshots',
    });
    const run = await runOf(jobId);
    expect(run).toMatchObject({
      kind: 'table.expire-snapshots',
      status: 'SENT',
      requestedById: fixture.ids[EDITOR],
    });
    expect(await queued()).toEqual([
      expect.objectContaining({
        kind: 'table.expire-snapshots',
        jobId,
        olderThanMs: run.sentAt.getTime() - 7 * DAY_MS,
        retainLast: 10,
      }),
    ]);

    await expect(
      editor.maintenance.runNow({ orgSlug: 'acme', pipelineId, kind: 'table.expire-snapshots' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      fixture.as(VIEWER).maintenance.runNow({ orgSlug: 'acme', pipelineId, kind: 'table.remove-orphans' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await queued()).toHaveLength(1);
    expect(await db.auditEvent.findFirst({ where: { action: 'maintenance.runNow' } })).toMatchObject({
      actorId: fixture.ids[EDITOR],
      target: pipelineId,
      after: { kind: 'table.expire-snapshots', jobId },
    });

    await report([{ type: 'job.failed', jobId, errorClass: 'CommitConflict', message: 'table changed' }]);
    expect(await runOf(jobId)).toMatchObject({ status: 'FAILED', error: 'CommitConflict: table changed' });
  });

  it('tries a compaction that lost to a concurrent commit again in a minute, keeping its small files counted', async () => {
    await queue.drain();
    const minutes = (n: number) => new Date(Date.now() + n * 60_000);
    const compactionSent = async (now: Date) => {
      // A pass run later: the agent heartbeats until then.
      await db.agent.update({ where: { id: agentId }, data: { lastHeartbeatAt: now } });
      const { sent, failures } = await scheduleMaintenance(db, redis, now);
      expect(failures).toEqual([]);
      const job = (await queued()).find((j) => j.kind === 'table.compact');
      await queue.drain();
      return sent.some((s) => s.kind === 'table.compact') ? (job?.jobId as string) : undefined;
    };
    await report([commitReport(pipelineId, 5)]);
    const first = await compactionSent(new Date());
    expect(first).toBeDefined();
    await report([{ type: 'job.started', jobId: first }]);
    await report([
      {
        type: 'job.failed',
        jobId: first,
        errorClass: 'RewriteConflictError',
        message: 'data files: sales.orders: 2 of the files to replace are no longer in the table',
      },
    ]);
    // Not an hour: a minute, and the files it did not rewrite still count.
    const afterFailure = (await get()).plan['table.compact'];
    expect(afterFailure).toMatchObject({ state: 'retry', failures: 1, conflict: true });
    const retryAt = (afterFailure as { at: Date }).at.getTime();
    const failedAt = (await runOf(first as string)).finishedAt?.getTime() as number;
    expect(retryAt - failedAt).toBe(60_000);
    expect(await compactionSent(new Date())).toBeUndefined();

    // The retry rewrites the manifests but loses the data files again: finished, with the step's error.
    const second = await compactionSent(minutes(1.1));
    expect(second).toBeDefined();
    await report([{ type: 'job.started', jobId: second }]);
    const partial = {
      filesOutcome: 'failed',
      filesError: 'CommitFailedError: sales.orders: the branch head moved',
      manifestsOutcome: 'rewritten',
      manifestsReplaced: 30,
      manifestsCreated: 1,
      durationMs: 1200,
    };
    await report([{ type: 'job.finished', jobId: second, result: partial }]);
    expect(await runOf(second as string)).toMatchObject({
      status: 'FINISHED',
      result: partial,
      error: 'data files: CommitFailedError: sales.orders: the branch head moved',
    });
    expect((await get()).plan['table.compact']).toMatchObject({
      state: 'retry',
      failures: 2,
      conflict: true,
    });

    // Two minutes after the second failure the third try goes out, and it lands: the count starts afresh.
    const third = await compactionSent(minutes(2.2));
    expect(third).toBeDefined();
    await report([{ type: 'job.started', jobId: third }]);
    await report([
      { type: 'job.finished', jobId: third, result: { ...compactResult, filesOutcome: 'rewritten' } },
    ]);
    expect((await get()).plan['table.compact']).toEqual({ state: 'small-files', files: 0, threshold: 5 });
  });

  it('refuses a policy that expires sooner than the contract promises, or a cron that cannot run', async () => {
    const editor = fixture.as(EDITOR);
    await editor.contract.save({
      orgSlug: 'acme',
      pipelineId,
      contract: { ...exampleContract, retention: { snapshotDays: 14, minSnapshots: 10 } },
    });
    expect((await get()).policy.snapshotMaxAgeDays).toBe(14);
    await expect(
      editor.maintenance.savePolicy({ orgSlug: 'acme', pipelineId, policy: DEFAULT_POLICY }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'snapshotMaxAgeDays: the contract promises 14 days of snapshots',
    });
    await expect(
      editor.maintenance.savePolicy({
        orgSlug: 'acme',
        pipelineId,
        policy: {
          ...DEFAULT_POLICY,
          snapshotMaxAgeDays: 14,
          compactionMode: 'cron',
          compactionCron: '0 3 * *',
        },
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      fixture.as(VIEWER).maintenance.savePolicy({ orgSlug: 'acme', pipelineId, policy: DEFAULT_POLICY }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('leaves alone the tables of offline agents and paused pipelines', async () => {
    const offline = await seedPipeline(db, fixture.org.id, fixture.ids[EDITOR] as string, {
      id: offlinePipelineId,
      name: 'offline',
    });
    const offlineQueue = queueOf(offline.agentId);
    await db.agentEvent.create({
      data: {
        agentId: offline.agentId,
        type: 'commit.report',
        payload: commitReport(offlinePipelineId, 500),
        sentAt: new Date(),
      },
    });
    await db.pipeline.update({ where: { id: pipelineId }, data: { status: 'PAUSED' } });
    await report([commitReport(pipelineId, 500)]);
    await queue.drain();

    expect((await scheduleMaintenance(db, redis, new Date())).sent).toEqual([]);
    expect(await queued(offlineQueue)).toEqual([]);
    expect(await queued()).toEqual([]);
    await db.pipeline.update({ where: { id: pipelineId }, data: { status: 'RUNNING' } });
    expect((await scheduleMaintenance(db, redis, new Date())).sent).toEqual([
      { pipelineId, kind: 'table.compact' },
    ]);
  });
  it('compacts an upsert table once its deleted rows reach the policy’s share, and shows what deletes cost readers', async () => {
    const upserts = await seedPipeline(db, fixture.org.id, fixture.ids[EDITOR] as string, {
      id: `${pipelineId}-upserts`,
      name: 'accounts',
    });
    // An upsert pipeline: its table's deletes show even when a compaction applied them all.
    const version = await db.pipelineVersion.findFirstOrThrow({ where: { pipelineId: upserts.pipelineId } });
    await db.pipelineVersion.update({
      where: { id: version.id },
      data: { spec: { ...(version.spec as object), changes: { mode: 'upsert', key: ['id'] } } },
    });
    const upsertQueue = queueOf(upserts.agentId);
    const agent = await db.agent.findUniqueOrThrow({ where: { id: upserts.agentId } });
    const send = (events: object[]) =>
      recordAgentEvents(db, agent, {
        protocolVersion: 1,
        sentAtMs: Date.now(),
        events: [
          { type: 'heartbeat', agentVersion: '1.0.0', runningPipelines: [upserts.pipelineId] },
          ...events,
        ],
      });
    const upsertCommit = (records: number, deleteFiles: number, positionDeletes: number) => ({
      ...commitReport(upserts.pipelineId, 1),
      deleteFiles: 1,
      tableTotals: { records, deleteFiles, positionDeletes },
    });
    const view = () =>
      fixture.as(VIEWER).maintenance.get({ orgSlug: 'acme', pipelineId: upserts.pipelineId });
    const sentForUpserts = async () => {
      await queue.drain();
      return (await scheduleMaintenance(db, redis, new Date())).sent.filter(
        (s) => s.pipelineId === upserts.pipelineId,
      );
    };

    // 15% of the rows readers read are deleted: below the default 20%.
    await send([upsertCommit(1000, 3, 150)]);
    const below = await view();
    expect(below.plan['table.compact']).toEqual({
      state: 'small-files',
      files: 2,
      threshold: 50,
      deletes: { share: 0.15, threshold: 0.2 },
    });
    expect(below.deletes).toMatchObject({
      source: 'commit',
      deleteFiles: 3,
      rows: 1000,
      deletedRows: 150,
      liveRows: 850,
      readAmplification: 1000 / 850,
    });
    expect(await sentForUpserts()).toEqual([]);

    // 250 of 1100: the compaction goes out, applying deletes at 20%.
    await send([upsertCommit(1100, 4, 250)]);
    expect(await sentForUpserts()).toEqual([{ pipelineId: upserts.pipelineId, kind: 'table.compact' }]);
    const [job] = await queued(upsertQueue);
    expect(job).toMatchObject({ kind: 'table.compact', deleteRatio: 0.2 });
    const jobId = job?.jobId as string;
    await send([{ type: 'job.started', jobId }]);
    const applied = {
      ...compactResult,
      filesOutcome: 'rewritten',
      deletedRowsRemoved: 250,
      deleteFilesRemoved: 4,
      deleteFilesWritten: 0,
      rowsAfter: 850,
      deletedRowsAfter: 0,
      deleteFilesAfter: 0,
    };
    // A commit reported in the same batch before the compaction's end is older than what it left.
    await send([upsertCommit(1150, 5, 280), { type: 'job.finished', jobId, result: applied }]);
    await upsertQueue.drain();

    // What the compaction left is the newest figure: nothing deleted, nothing due.
    const after = await view();
    expect(after.deletes).toMatchObject({
      source: 'compaction',
      deleteFiles: 0,
      deletedRows: 0,
      readAmplification: 1,
    });
    expect(after.plan['table.compact']).toEqual({
      state: 'small-files',
      // The commit reported while it ran counts among the files since it started, as for any table.
      files: 2,
      threshold: 50,
      deletes: { share: 0, threshold: 0.2 },
    });
    expect(await sentForUpserts()).toEqual([]);

    // The next upsert commit reports the table again.
    await send([upsertCommit(900, 1, 30)]);
    expect((await view()).deletes).toMatchObject({
      source: 'commit',
      deleteFiles: 1,
      deletedRows: 30,
      liveRows: 870,
    });
  });
});
