import type { Db } from '../contracts/reports';
import { reportingAgents } from '../pipelines/placement';
import type { LastRun, TableDeletes } from './due';
import type { MaintainedPipeline } from './facts';

// What a pipeline's table deletes, as its agents last reported it: the figures the delete-ratio
// schedule and the pipeline page go by.

const count = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);

/** Figures with the agent event that brought them: events are ordered by (receivedAt, id). */
type Reported = TableDeletes & { eventId: bigint };

const newer = (a: Reported, b: Reported) =>
  a.at.getTime() !== b.at.getTime() ? a.at > b.at : a.eventId > b.eventId;

/** The newest commit report's table totals (commit reports of agents before deletes have none). */
async function lastCommitted(db: Db, pipeline: MaintainedPipeline): Promise<Reported | null> {
  const reporters = await reportingAgents(db, pipeline);
  const [report] = await db.$queryRaw<{ id: bigint; at: Date; totals: Record<string, unknown> }[]>`
    SELECT id, "receivedAt" AS at, payload->'tableTotals' AS totals FROM "AgentEvent"
    WHERE "agentId" = ANY(${reporters}) AND type = 'commit.report'
      AND payload->>'pipelineId' = ${pipeline.id} AND payload->'tableTotals' IS NOT NULL
    ORDER BY "receivedAt" DESC, id DESC LIMIT 1`;
  if (report === undefined) return null;
  const [rows, deletedRows, deleteFiles] = [
    report.totals.records,
    report.totals.positionDeletes,
    report.totals.deleteFiles,
  ].map(count);
  if (rows === undefined || deletedRows === undefined || deleteFiles === undefined) return null;
  return { at: report.at, eventId: report.id, source: 'commit', rows, deletedRows, deleteFiles };
}

/**
 * What the newest compaction that says so left of the table's deletes (its figures after the rewrite),
 * with the event that ended it; a failed data-file step leaves nothing new to say.
 */
async function lastCompacted(
  db: Db,
  compactions: readonly (LastRun & { jobId: string; agentId: string })[],
): Promise<Reported | null> {
  for (const run of compactions) {
    const r = (run.status === 'FINISHED' ? run.result : null) as Record<string, unknown> | null;
    if (r === null || r.filesOutcome === 'failed') continue;
    const [rows, deletedRows, deleteFiles] = [r.rowsAfter, r.deletedRowsAfter, r.deleteFilesAfter].map(count);
    if (rows === undefined || deletedRows === undefined || deleteFiles === undefined) continue;
    const [end] = await db.$queryRaw<{ id: bigint; at: Date }[]>`
      SELECT id, "receivedAt" AS at FROM "AgentEvent"
      WHERE "agentId" = ${run.agentId} AND type = 'job.finished' AND payload->>'jobId' = ${run.jobId}
      ORDER BY "receivedAt" DESC, id DESC LIMIT 1`;
    // Its end is no longer kept (retention): the commits since say it better anyway.
    if (end === undefined) return null;
    return { at: end.at, eventId: end.id, source: 'compaction', rows, deletedRows, deleteFiles };
  }
  return null;
}

/**
 * What the table's delete files delete, as last reported: by the newest commit report carrying the
 * table's totals, or by a compaction whose end was reported after it. Reports are ordered as the
 * control plane received them, so a commit reported before a compaction's end (even in the same
 * batch) counts as older. If it landed while the compaction ran, the compaction's figures miss its
 * deletes until the next commit reports them: erring towards waiting a commit, never towards sending
 * a compaction that finds nothing to do.
 */
export async function tableDeletes(
  db: Db,
  pipeline: MaintainedPipeline,
  compactions: readonly (LastRun & { jobId: string; agentId: string })[],
): Promise<TableDeletes | null> {
  const [committed, compacted] = await Promise.all([
    lastCommitted(db, pipeline),
    lastCompacted(db, compactions),
  ]);
  const newest =
    committed === null || (compacted !== null && newer(compacted, committed)) ? compacted : committed;
  if (newest === null) return null;
  const { eventId: _, ...figures } = newest;
  return figures;
}
