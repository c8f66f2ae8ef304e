import { contractSchema } from '@floe/contracts';
import type { Db } from '../contracts/reports';
import type { LastRun, MaintenanceFacts } from './due';
import {
  effectivePolicy,
  MAINTENANCE_KINDS,
  type MaintenanceKind,
  maintenancePolicySchema,
  type SnapshotRetention,
} from './policy';

export interface MaintainedPipeline {
  id: string;
  agentId: string;
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

async function lastRun(db: Db, pipelineId: string, kind: MaintenanceKind): Promise<LastRun | null> {
  return db.maintenanceRun.findFirst({
    where: { pipelineId, kind },
    orderBy: { sentAt: 'desc' },
    select: { status: true, sentAt: true, finishedAt: true },
  });
}

/** Data files the pipeline's agent reported committing since the last compaction of the table finished. */
async function filesSinceCompaction(db: Db, pipeline: MaintainedPipeline): Promise<number> {
  const compaction = await db.maintenanceRun.findFirst({
    where: { pipelineId: pipeline.id, kind: 'table.compact', status: 'FINISHED' },
    orderBy: { finishedAt: 'desc' },
  });
  const since = compaction?.finishedAt ?? new Date(0);
  const [row] = await db.$queryRaw<{ files: number }[]>`
    SELECT COALESCE(SUM((payload->>'dataFiles')::bigint), 0)::int AS files FROM "AgentEvent"
    WHERE "agentId" = ${pipeline.agentId} AND type = 'commit.report'
      AND payload->>'pipelineId' = ${pipeline.id} AND "receivedAt" > ${since}`;
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
  const [smallFiles, compact, expire, orphans] = await Promise.all([
    // Only automatic compaction counts them.
    policy.compactionMode === 'auto' ? filesSinceCompaction(db, pipeline) : 0,
    ...MAINTENANCE_KINDS.map((kind) => lastRun(db, pipeline.id, kind)),
  ]);
  return {
    policy,
    saved: saved !== null,
    retention,
    lastRuns: {
      'table.compact': compact ?? null,
      'table.expire-snapshots': expire ?? null,
      'table.remove-orphans': orphans ?? null,
    },
    smallFiles,
    scheduledSince: row?.updatedAt ?? pipeline.createdAt,
  };
}
