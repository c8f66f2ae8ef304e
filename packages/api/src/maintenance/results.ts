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
          data: { status: 'FINISHED', finishedAt: now, result: event.result, error: null },
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
