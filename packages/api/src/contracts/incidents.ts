import { type Contract, type MinuteFreshness, trackIncidents } from '@floe/contracts';
import { announce } from './alerts/deliveries';
import { storedSeconds } from './minute-days';
import type { Db } from './reports';

/**
 * Opens, extends and resolves the pipeline's incidents along its newly evaluated minutes, and queues
 * an announcement to each destination when one opens and when it is resolved.
 */
export async function followIncidents(
  db: Db,
  about: {
    pipeline: { id: string; name: string };
    table: string;
    slo: Contract['slo'];
    destinations: Parameters<typeof announce>[1];
  },
  minutes: MinuteFreshness[],
  now: Date,
) {
  const { pipeline, table, slo, destinations } = about;
  const open = await db.incident.findFirst({ where: { pipelineId: pipeline.id, resolvedAt: null } });
  const spans = trackIncidents(
    open && {
      startedAtMs: open.startedAt.getTime(),
      resolvedAtMs: null,
      peakSeconds: open.peakSeconds ?? Number.POSITIVE_INFINITY,
    },
    minutes,
  );
  for (const span of spans) {
    const data = {
      resolvedAt: span.resolvedAtMs === null ? null : new Date(span.resolvedAtMs),
      peakSeconds: storedSeconds(span.peakSeconds),
    };
    const continued = open !== null && span.startedAtMs === open.startedAt.getTime();
    const incident = continued
      ? await db.incident.update({ where: { id: open.id }, data })
      : await db.incident.create({
          data: {
            pipelineId: pipeline.id,
            startedAt: new Date(span.startedAtMs),
            sloMinutes: slo.freshnessMinutes,
            ...data,
          },
        });
    const notice = { pipeline: { id: pipeline.id, name: pipeline.name }, table, slo, incident };
    if (!continued) await announce(db, destinations, { event: 'incident.opened', ...notice }, now);
    if (incident.resolvedAt) await announce(db, destinations, { event: 'incident.resolved', ...notice }, now);
  }
}
