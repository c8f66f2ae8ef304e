import { contractSchema, DAY_MS, dayStartOf, freshnessByMinute, MINUTE_MS } from '@floe/contracts';
import type { PrismaClient } from '@floe/db';
import { deliverDueAlerts } from './alerts/deliveries';
import { followIncidents } from './incidents';
import { keptDays, saveMinutes } from './minute-days';
import { commitReportsSince, type Db, parseProgress, storeProgress } from './reports';
import { contractedTable, qualifiedName } from './status';

// One evaluator at a time across every control-plane instance: a transaction-scoped advisory lock,
// released by the commit (or by Postgres when an instance dies). The key is "floe" and 1.
export const EVALUATOR_LOCK = 0x666c6f6500000001n;
// Reports are read again from a little before the last evaluated minute: one stored while the previous
// run was reading is not lost (applying a report twice changes nothing).
const REREAD_MS = 5 * MINUTE_MS;

type ContractToEvaluate = Awaited<ReturnType<typeof contractsToEvaluate>>[number];

function contractsToEvaluate(db: Db) {
  return db.contract.findMany({
    include: {
      versions: { orderBy: { version: 'desc' }, take: 1 },
      alertDestinations: true,
      pipeline: {
        include: { freshnessState: true, versions: { orderBy: { version: 'desc' }, take: 1 } },
      },
    },
  });
}

/**
 * Evaluates every contracted pipeline's freshness for each minute that ended since its last
 * evaluation (up to the minute holding `now`), records the minutes, opens and resolves incidents and
 * queues their alerts; then sends the alerts that are due. Safe to run from several instances at once:
 * one evaluates, the others skip the evaluation (it catches up on whatever minutes were missed).
 */
export async function evaluateContracts(db: PrismaClient, now: Date) {
  const evaluation = await db.$transaction(
    async (tx) => {
      const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(${EVALUATOR_LOCK}) AS locked`;
      if (!lock?.locked) return { evaluated: false, failures: [] };
      const failures: { pipelineId: string; error: string }[] = [];
      for (const contract of await contractsToEvaluate(tx)) {
        // Each pipeline all or nothing: one that fails (a contract that no longer parses, say) is
        // rolled back alone and tried again next minute, and the others are still evaluated.
        await tx.$executeRaw`SAVEPOINT pipeline`;
        try {
          await evaluatePipeline(tx, contract, now);
          await tx.$executeRaw`RELEASE SAVEPOINT pipeline`;
        } catch (error) {
          await tx.$executeRaw`ROLLBACK TO SAVEPOINT pipeline`;
          failures.push({
            pipelineId: contract.pipelineId,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
      return { evaluated: true, failures };
    },
    { maxWait: 10_000, timeout: 10 * 60_000 },
  );
  return { ...evaluation, alerts: await deliverDueAlerts(db, now) };
}

async function evaluatePipeline(db: Db, contract: ContractToEvaluate, now: Date) {
  const { slo } = contractSchema.parse(contract.versions[0]?.body);
  const { pipeline } = contract;
  const state = pipeline.freshnessState;
  // The minute holding `now` has not ended yet.
  const untilMs = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  const keepFromMs = dayStartOf(untilMs) - keptDays(slo.windowDays) * DAY_MS;
  const contractFromMs = Math.ceil(contract.createdAt.getTime() / MINUTE_MS) * MINUTE_MS;
  const fromMs = Math.max(state ? state.evaluatedUntil.getTime() : contractFromMs, keepFromMs);
  if (fromMs >= untilMs) return;

  const reports = await commitReportsSince(db, pipeline, new Date(fromMs - REREAD_MS));
  const { minutes, progress } = freshnessByMinute({
    progress: parseProgress(state?.progress),
    reports,
    fromMs,
    untilMs,
    sloSeconds: slo.freshnessMinutes * 60,
  });
  await saveMinutes(db, pipeline.id, minutes);

  const table = contractedTable(pipeline, pipeline.versions[0]?.spec);
  await followIncidents(
    db,
    { pipeline, table: qualifiedName(table), slo, destinations: contract.alertDestinations },
    minutes,
    now,
  );

  // No progress before the first report; once there is some, there always is.
  const evaluated = {
    evaluatedUntil: new Date(untilMs),
    progress: progress ? storeProgress(progress) : undefined,
  };
  await db.freshnessState.upsert({
    where: { pipelineId: pipeline.id },
    create: { pipelineId: pipeline.id, ...evaluated },
    update: evaluated,
  });
  await db.freshnessDay.deleteMany({ where: { pipelineId: pipeline.id, day: { lt: new Date(keepFromMs) } } });
}
