import { contractSchema } from '@floe/contracts';
import type { Db } from '../contracts/reports';
import { type Placement, reportingAgents } from '../pipelines/placement';
import { failuresInARow, type LastRun, type MaintenanceFacts } from './due';
import {
  effectivePolicy,
  type MaintenanceKind,
  maintenancePolicySchema,
  type SnapshotRetention,
} from './policy';
import { tableDeletes } from './table-deletes';

export interface MaintainedPipeline extends Placement {
  id: string;
  createdAt: Date;
}

/** The snapshot retention the pipeline's contract promises, if it has a contract. */
export async function contractRetention(db: Db, pipelineId: string): Promise<SnapshotRetention | null> {
  const contract = await db.contract.findUnique({
    where: { pipelineId },
    include: { versions: { orderBy: { version: 'desc' }, take: 1 } },
  });
  return contract ? contractSchema.parse(contract.versions[0]?.body).retention : null;
}

const RUN_FIELDS = { status: true, sentAt: true, finishedAt: true, result: true, error: true } as const;

async function lastRun(db: Db, pipelineId: string, kind: MaintenanceKind): Promise<LastRun | null> {
  return db.maintenanceRun.findFirst({
    where: { pipelineId, kind },
    orderBy: { sentAt: 'desc' },
    select: RUN_FIELDS,
  });
}

/** The newest compaction runs, newest first: enough to count the failures in a row. */
const RECENT_COMPACTIONS = 20;

/**
 * Data and delete files the pipeline's agents reported committing since the newest compaction that
 * rewrote the table's files (or found nothing to rewrite) started: a run that failed, or whose
 * data-file step failed while its manifest step succeeded, leaves the files where they were and
 * resets nothing. A file committed between the job's start and its plan is counted though the plan
 * took it: erring towards compacting a little early, never towards falling behind.
 */
async function filesSinceCompaction(db: Db, pipeline: MaintainedPipeline): Promise<number> {
  const reporters = await reportingAgents(db, pipeline);
  const [row] = await db.$queryRaw<{ files: number }[]>`
    WITH baseline AS (
      SELECT COALESCE("startedAt", "sentAt") AS since FROM "MaintenanceRun"
      WHERE "pipelineId" = ${pipeline.id} AND kind = 'table.compact' AND status = 'FINISHED'
        AND COALESCE(result->>'filesOutcome', '') <> 'failed'
      ORDER BY "sentAt" DESC LIMIT 1
    )
    SELECT COALESCE(SUM((payload->>'dataFiles')::bigint + COALESCE((payload->>'deleteFiles')::bigint, 0)), 0)::int
      AS files FROM "AgentEvent"
    WHERE "agentId" = ANY(${reporters}) AND type = 'commit.report'
      AND payload->>'pipelineId' = ${pipeline.id}
      AND "receivedAt" >= COALESCE((SELECT since FROM baseline), 'epoch'::timestamp)`;
  return row?.files ?? 0;
}

/** Everything the due decisions need about one pipeline's table, and the policy in force. */
export async function maintenanceFacts(
  db: Db,
  pipeline: MaintainedPipeline,
): Promise<MaintenanceFacts & { saved: boolean; retention: SnapshotRetention | null }> {
  const [row, retention] = await Promise.all([
    db.maintenancePolicy.findUnique({ where: { pipelineId: pipeline.id } }),
    contractRetention(db, pipeline.id),
  ]);
  const saved = row ? maintenancePolicySchema.parse(row.settings) : null;
  const policy = effectivePolicy(saved, retention);
  const [smallFiles, compactions, expire, orphans] = await Promise.all([
    // Only automatic compaction counts them.
    policy.compactionMode === 'auto' ? filesSinceCompaction(db, pipeline) : 0,
    db.maintenanceRun.findMany({
      where: { pipelineId: pipeline.id, kind: 'table.compact' },
      orderBy: { sentAt: 'desc' },
      take: RECENT_COMPACTIONS,
      select: { ...RUN_FIELDS, jobId: true, agentId: true },
    }),
    lastRun(db, pipeline.id, 'table.expire-snapshots'),
    lastRun(db, pipeline.id, 'table.remove-orphans'),
  ]);
  const compact = compactions[0];
  const deletes = await tableDeletes(db, pipeline, compactions);
  return {
    policy,
    saved: saved !== null,
    retention,
    lastRuns: {
      'table.compact': compact ?? null,
      'table.expire-snapshots': expire ?? null,
      'table.remove-orphans': orphans ?? null,
    },
    compactionFailures: failuresInARow(compactions),
    smallFiles,
    deletes,
    scheduledSince: row?.updatedAt ?? pipeline.createdAt,
  };
}
