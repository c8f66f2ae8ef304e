import type { PrismaClient } from '@floe/db';
import { everyMinute } from '../background/every-minute';
import { evaluateContracts } from './evaluate';

// After the minute turns, give the reports of the minute that just ended a moment to arrive.
const AFTER_MINUTE_MS = 5_000;

/**
 * Runs `evaluateContracts` once a minute in this process until stopped. Every control-plane instance
 * may run one: the evaluation's advisory lock lets one at a time do the work, and a run catches up on
 * every minute missed. A run starts only after the previous one ended.
 */
export function startContractEvaluator(db: PrismaClient, log: (message: string) => void = console.error) {
  return everyMinute(
    'contract evaluation',
    async () => {
      const { failures, alerts } = await evaluateContracts(db, new Date());
      for (const f of failures) log(`contract evaluation: pipeline ${f.pipelineId}: ${f.error}`);
      if (alerts.failed > 0) log(`contract alerts: ${alerts.failed} deliveries failed, to be retried`);
    },
    log,
    AFTER_MINUTE_MS,
  );
}
