import { DAY_MS, dayStartOf } from '@floe/contracts';
import type { PrismaClient } from '@floe/db';
import { AGENT_RELEASE } from '@floe/protocol';
import { exampleContract, seedPipeline } from './contracted-pipeline';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A commit report whose one partition is `behind` records behind, its newest record `newestMs`. */
const commitReport = (pipelineId: string, atMs: number, newestMs: number, behind = 0) => ({
  type: 'commit.report',
  pipelineId,
  table: 'sales.orders',
  snapshotId: String(atMs),
  committedAtMs: atMs,
  records: 10,
  bytes: 1000,
  dataFiles: 1,
  deadLettered: 0,
  partitions: [
    {
      topic: 'orders.v1',
      partition: 0,
      committedOffset: '100',
      logEndOffset: String(100 + behind),
      newestCommittedRecordMs: newestMs,
    },
  ],
});

/**
 * Five pipelines of an organization, one in each state the fleet overview tells apart, named for it
 * (healthy, late, breaching, failing, paused), each on its own agent `ag-<pipeline id>`; pipeline ids
 * are `<idPrefix><name>`. The healthy one's agent is online on this release, up for 2 hours; the late
 * one's is an old build (0.0.1), offline for an hour; the others never enrolled.
 */
export async function seedFleet(
  db: PrismaClient,
  organizationId: string,
  createdById: string,
  { now = Date.now(), idPrefix = 'pl-' } = {},
) {
  const event = (agentId: string, payload: object, atMs: number) =>
    db.agentEvent.create({
      data: {
        agentId,
        type: (payload as { type: string }).type,
        payload,
        sentAt: new Date(atMs),
        receivedAt: new Date(atMs),
      },
    });
  const pipeline = (name: string) =>
    seedPipeline(db, organizationId, createdById, { id: `${idPrefix}${name}`, name });
  const contract = (pipelineId: string) =>
    db.contract.create({
      data: {
        pipelineId,
        currentVersion: 1,
        versions: { create: { version: 1, body: exampleContract as object, createdById } },
      },
    });

  const healthy = await pipeline('healthy');
  await contract(healthy.pipelineId);
  await event(healthy.agentId, commitReport(healthy.pipelineId, now - MINUTE, now - MINUTE), now - MINUTE);
  await event(
    healthy.agentId,
    { type: 'metrics', pipelineId: healthy.pipelineId, recordsPerSecond: 250, lagRecords: '12' },
    now - 10_000,
  );
  await db.agent.update({
    where: { id: healthy.agentId },
    data: {
      enrolledAt: new Date(now - DAY_MS),
      lastHeartbeatAt: new Date(now),
      startedAt: new Date(now - 2 * HOUR),
      version: AGENT_RELEASE,
    },
  });

  // Behind its 5-minute promise by 20 minutes, with the budget untouched.
  const late = await pipeline('late');
  await contract(late.pipelineId);
  await event(late.agentId, commitReport(late.pipelineId, now - MINUTE, now - 20 * MINUTE, 50), now - MINUTE);
  await db.agent.update({
    where: { id: late.agentId },
    data: {
      enrolledAt: new Date(now - DAY_MS),
      lastHeartbeatAt: new Date(now - HOUR),
      startedAt: new Date(now - DAY_MS),
      version: '0.0.1',
    },
  });

  // A whole day beyond the promise spends the 30-day 99% budget (432 minutes).
  const breaching = await pipeline('breaching');
  await contract(breaching.pipelineId);
  await event(
    breaching.agentId,
    commitReport(breaching.pipelineId, now - MINUTE, now - MINUTE),
    now - MINUTE,
  );
  await db.freshnessDay.create({
    data: {
      pipelineId: breaching.pipelineId,
      day: new Date(dayStartOf(now) - DAY_MS),
      evaluated: new Uint8Array(180).fill(0xff),
      withinSlo: new Uint8Array(180),
      worstSeconds: 3600,
    },
  });
  await db.incident.create({
    data: { pipelineId: breaching.pipelineId, startedAt: new Date(now - DAY_MS), sloMinutes: 5 },
  });

  // An error after its last commit.
  const failing = await pipeline('failing');
  await event(
    failing.agentId,
    commitReport(failing.pipelineId, now - 10 * MINUTE, now - 10 * MINUTE),
    now - 10 * MINUTE,
  );
  await event(
    failing.agentId,
    { type: 'error', pipelineId: failing.pipelineId, errorClass: 'catalog', message: 'catalog unreachable' },
    now - 5 * MINUTE,
  );

  // Compactions: the healthy one's second is on its manifest step, after one that finished; the
  // failing one's last failed. The running one's job id is `compact-<pipeline id>`.
  const compaction = (p: { pipelineId: string; agentId: string }, name: string, run: object) =>
    db.maintenanceRun.create({
      data: { pipelineId: p.pipelineId, agentId: p.agentId, kind: 'table.compact', jobId: name, ...run },
    });
  await compaction(healthy, `compact-${healthy.pipelineId}-done`, {
    status: 'FINISHED',
    sentAt: new Date(now - HOUR),
    startedAt: new Date(now - HOUR),
    finishedAt: new Date(now - 30 * MINUTE),
    result: { filesOutcome: 'rewritten', filesBefore: 57, filesAfter: 3, bytesRewritten: 52_428_800 },
  });
  await compaction(healthy, `compact-${healthy.pipelineId}`, {
    status: 'RUNNING',
    sentAt: new Date(now - 2 * MINUTE),
    startedAt: new Date(now - 2 * MINUTE),
  });
  await event(
    healthy.agentId,
    {
      type: 'job.progress',
      jobId: `compact-${healthy.pipelineId}`,
      fraction: 0.5,
      message: 'step 2 of 2: rewriting manifests (data files: 40 → 2 files)',
    },
    now - MINUTE,
  );
  await compaction(failing, `compact-${failing.pipelineId}`, {
    status: 'FAILED',
    sentAt: new Date(now - 4 * MINUTE),
    startedAt: new Date(now - 4 * MINUTE),
    finishedAt: new Date(now - 3 * MINUTE),
    error: 'CommitFailedException: the table changed under it 8 times',
  });

  const paused = await pipeline('paused');
  await db.pipeline.update({ where: { id: paused.pipelineId }, data: { status: 'PAUSED' } });
  return { healthy, late, breaching, failing, paused };
}
