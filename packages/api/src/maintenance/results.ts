import type { PrismaClient } from '@floe/db';
import type { AgentEvent } from '@floe/protocol';

/**
 * The updates that an agent's job events make to maintenance runs, matched by the job id the control
 * plane chose and limited to runs sent to that agent. A job the queue retries after a failure starts
 * again; a finished run stays finished.
 */
export function maintenanceRunUpdates(db: PrismaClient, agentId: string, events: AgentEvent[], now: Date) {
  return events.flatMap((event) => {
    switch (event.type) {
      case 'job.started':
        return db.maintenanceRun.updateMany({
          where: { jobId: event.jobId, agentId, status: { in: ['SENT', 'FAILED'] } },
          data: { status: 'RUNNING', startedAt: now, finishedAt: null, error: null },
        });
      case 'job.finished':
        return db.maintenanceRun.updateMany({
          where: { jobId: event.jobId, agentId },
          data: {
            status: 'FINISHED',
            finishedAt: now,
            result: event.result,
            error: stepErrors(event.result),
          },
        });
      case 'job.failed':
        return db.maintenanceRun.updateMany({
          where: { jobId: event.jobId, agentId, status: { not: 'FINISHED' } },
          data: { status: 'FAILED', finishedAt: now, error: `${event.errorClass}: ${event.message}` },
        });
      default:
        return [];
    }
  });
}

/**
 * A compaction finishes with an outcome per step (data files, then manifests): when one of them failed
 * while the other did its work, the run is finished and its error names the step that failed.
 */
export function stepErrors(result: Record<string, string | number | boolean>): string | null {
  const errors = [
    result.filesOutcome === 'failed' ? `data files: ${result.filesError ?? 'failed'}` : null,
    result.manifestsOutcome === 'failed' ? `manifests: ${result.manifestsError ?? 'failed'}` : null,
  ].filter((e) => e !== null);
  return errors.length > 0 ? errors.join('; ') : null;
}
