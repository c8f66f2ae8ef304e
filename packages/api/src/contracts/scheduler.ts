import { MINUTE_MS } from '@floe/contracts';
import type { PrismaClient } from '@floe/db';
import { evaluateContracts } from './evaluate';

// After the minute turns, give the reports of the minute that just ended a moment to arrive.
const AFTER_MINUTE_MS = 5_000;

/**
 * Runs `evaluateContracts` once a minute in this process until stopped. Every control-plane instance
 * may run one: the evaluation's advisory lock lets one at a time do the work, and a run catches up on
 * every minute missed. A run starts only after the previous one ended.
 */
export function startContractEvaluator(db: PrismaClient, log: (message: string) => void = console.error) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(run, MINUTE_MS - (Date.now() % MINUTE_MS) + AFTER_MINUTE_MS);
    // Never what keeps the process alive.
    timer.unref();
  };
  const run = async () => {
    try {
      const { failures, alerts } = await evaluateContracts(db, new Date());
      for (const f of failures) log(`contract evaluation: pipeline ${f.pipelineId}: ${f.error}`);
      if (alerts.failed > 0) log(`contract alerts: ${alerts.failed} deliveries failed, to be retried`);
    } catch (error) {
      log(`contract evaluation failed: ${error instanceof Error ? error.message : error}`);
    }
    schedule();
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
