import type { PrismaClient } from '@floe/db';
import { everyMinute } from '../background/every-minute';
import { deliverDueAlerts } from './alerts/deliveries';
import { evaluateFreshness } from './evaluate';

// After the minute turns, give the reports of the minute that just ended a moment to arrive.
const AFTER_MINUTE_MS = 5_000;
// Alerts go out a little later, once most evaluations have queued theirs.
const ALERTS_AFTER_MINUTE_MS = 15_000;

/**
 * Evaluates contracts once a minute in this process, and sends due alerts once a minute on a schedule
 * of its own (slow receivers never delay an evaluation), until stopped. Every control-plane instance
 * may run both: a lock per pipeline and a claim per delivery keep the work from being done twice, and
 * a run catches up on every minute missed.
 */
export function startContractEvaluator(db: PrismaClient, log: (message: string) => void = console.error) {
  const stopEvaluation = everyMinute(
    'contract evaluation',
    async () => {
      const { failures } = await evaluateFreshness(db, new Date());
      for (const f of failures) log(`contract evaluation: pipeline ${f.pipelineId}: ${f.error}`);
    },
    log,
    AFTER_MINUTE_MS,
  );
  const stopAlerts = everyMinute(
    'contract alerts',
    async () => {
      const { failed } = await deliverDueAlerts(db, new Date());
      if (failed > 0) log(`contract alerts: ${failed} deliveries failed, to be retried`);
    },
    log,
    ALERTS_AFTER_MINUTE_MS,
  );
  return () => {
    stopEvaluation();
    stopAlerts();
  };
}
