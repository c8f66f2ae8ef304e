import { type Figures, jobStates } from '../backfill/job-states';
import type { Db } from '../contracts/reports';

/** A compaction sent or running, with the step the agent last reported (null before its first). */
export interface RunningCompaction {
  status: 'SENT' | 'RUNNING';
  sentAtMs: number;
  startedAtMs: number | null;
  fraction: number | null;
  step: string | null;
}

/** How the newest compaction that ended went: its figures, and its error in words when one step or all failed. */
export interface EndedCompaction {
  status: 'FINISHED' | 'FAILED';
  finishedAtMs: number | null;
  result: Figures | null;
  error: string | null;
}

interface RunRow {
  pipelineId: string;
  jobId: string;
  status: 'SENT' | 'RUNNING' | 'FINISHED' | 'FAILED';
  sentAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  result: Figures | null;
  error: string | null;
}

/**
 * Each pipeline's compaction under way and the newest one that ended, for the organization's
 * pipelines: one query (the newest run of each of the two kinds per pipeline), and one for the steps
 * the running ones reported (their job.progress events).
 */
export async function compactionsOf(db: Db, organizationId: string) {
  const rows = await db.$queryRaw<RunRow[]>`
    SELECT DISTINCT ON (r."pipelineId", r.status IN ('SENT', 'RUNNING'))
      r."pipelineId", r."jobId", r.status::text AS status, r."sentAt", r."startedAt", r."finishedAt", r.result, r.error
    FROM "MaintenanceRun" r JOIN "Pipeline" p ON p.id = r."pipelineId"
    WHERE p."organizationId" = ${organizationId} AND r.kind = 'table.compact'
    ORDER BY r."pipelineId", r.status IN ('SENT', 'RUNNING'), r."sentAt" DESC, r.id DESC`;
  const running = rows.filter((r) => r.status === 'SENT' || r.status === 'RUNNING');
  const states = await jobStates(
    db,
    organizationId,
    running.map((r) => r.jobId),
  );
  const compactions = new Map<string, { running: RunningCompaction | null; last: EndedCompaction | null }>();
  const of = (pipelineId: string) => {
    const entry = compactions.get(pipelineId) ?? { running: null, last: null };
    compactions.set(pipelineId, entry);
    return entry;
  };
  for (const r of rows) {
    if (r.status === 'SENT' || r.status === 'RUNNING') {
      const state = states.get(r.jobId);
      // Only a progress event says which step; a started job has none until its first.
      const reported = state?.state === 'running' && state.fraction !== null;
      of(r.pipelineId).running = {
        status: r.status,
        sentAtMs: r.sentAt.getTime(),
        startedAtMs: r.startedAt?.getTime() ?? null,
        fraction: reported ? state.fraction : null,
        step: reported ? state.message : null,
      };
    } else
      of(r.pipelineId).last = {
        status: r.status,
        finishedAtMs: r.finishedAt?.getTime() ?? null,
        result: r.result,
        error: r.error,
      };
  }
  return compactions;
}
