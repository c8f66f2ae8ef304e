import type { PrismaClient } from '@floe/db';

export type Figures = Record<string, string | number | boolean>;

/** How one agent job stands, from its events: sent, running (with its last progress), finished or failed. */
export interface JobState {
  state: 'sent' | 'running' | 'finished' | 'failed';
  fraction: number | null;
  message: string | null;
  result: Figures | null;
  at: Date | null;
}

/**
 * The states of an organization's agent jobs, by job id: each job's newest event of each type
 * (started, progress, finished, failed), one query for all of them.
 */
export async function jobStates(
  db: Pick<PrismaClient, '$queryRaw'>,
  organizationId: string,
  jobIds: string[],
): Promise<Map<string, JobState>> {
  const states = new Map<string, JobState>(
    jobIds.map((id) => [id, { state: 'sent', fraction: null, message: null, result: null, at: null }]),
  );
  if (jobIds.length === 0) return states;
  const events = await db.$queryRaw<
    { jobId: string; type: string; payload: Record<string, unknown>; receivedAt: Date }[]
  >`
    SELECT DISTINCT ON (e.payload->>'jobId', e.type) e.payload->>'jobId' AS "jobId", e.type, e.payload, e."receivedAt"
    FROM "AgentEvent" e JOIN "Agent" a ON a.id = e."agentId"
    WHERE a."organizationId" = ${organizationId}
      AND e.type IN ('job.started', 'job.progress', 'job.finished', 'job.failed')
      AND e.payload->>'jobId' = ANY(${jobIds})
    ORDER BY e.payload->>'jobId', e.type, e."receivedAt" DESC, e.id DESC`;
  const rank = { 'job.started': 0, 'job.progress': 1, 'job.finished': 2, 'job.failed': 2 } as const;
  for (const e of events.sort(
    (a, b) => rank[a.type as keyof typeof rank] - rank[b.type as keyof typeof rank],
  )) {
    const state = states.get(e.jobId) as JobState;
    const p = e.payload;
    if (e.type === 'job.finished')
      Object.assign(state, { state: 'finished', result: p.result as Figures, fraction: 1 });
    else if (e.type === 'job.failed')
      Object.assign(state, { state: 'failed', message: String(p.message ?? '') });
    else if (e.type === 'job.progress')
      Object.assign(state, {
        state: 'running',
        fraction: Number(p.fraction),
        message: String(p.message ?? ''),
      });
    else state.state = 'running';
    state.at = e.receivedAt;
  }
  return states;
}
