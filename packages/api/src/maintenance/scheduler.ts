import type { PrismaClient } from '@floe/db';
import { OFFLINE_AFTER_SECONDS } from '@floe/protocol';
import type { Redis } from 'ioredis';
import { everyMinute } from '../background/every-minute';
import { sendDueMaintenance } from './dispatch';
import type { MaintenanceKind } from './policy';

/**
 * One pass: sends every due maintenance job. Only running pipelines whose agent (or a member of whose
 * pool) is online are maintained (a paused pipeline's table is left alone; an offline agent would
 * find a pile of jobs on its return). Each pipeline is decided under its own lock, so instances may run passes at once.
 */
export async function scheduleMaintenance(db: PrismaClient, redis: Redis, now: Date) {
  const online = {
    revokedAt: null,
    lastHeartbeatAt: { gte: new Date(now.getTime() - OFFLINE_AFTER_SECONDS * 1000) },
  };
  const pipelines = await db.pipeline.findMany({
    where: {
      status: 'RUNNING',
      OR: [{ agent: online }, { pool: { agents: { some: online } } }],
    },
    include: { versions: { orderBy: { version: 'desc' }, take: 1 } },
  });
  const sent: { pipelineId: string; kind: MaintenanceKind }[] = [];
  const failures: { pipelineId: string; error: string }[] = [];
  for (const pipeline of pipelines) {
    try {
      for (const kind of await sendDueMaintenance(db, redis, pipeline, now))
        sent.push({ pipelineId: pipeline.id, kind });
    } catch (error) {
      failures.push({
        pipelineId: pipeline.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { sent, failures };
}

/** Runs `scheduleMaintenance` once a minute in this process until stopped, one pass after the other. */
export function startMaintenanceScheduler(
  db: PrismaClient,
  redis: () => Redis,
  log: (message: string) => void = console.error,
) {
  return everyMinute(
    'table maintenance scheduling',
    async () => {
      const { failures } = await scheduleMaintenance(db, redis(), new Date());
      for (const f of failures) log(`table maintenance: pipeline ${f.pipelineId}: ${f.error}`);
    },
    log,
  );
}
