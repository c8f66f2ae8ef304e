import { contractSchema, DAY_MS, dayStartOf, freshnessByMinute, MINUTE_MS } from '@floe/contracts';
import type { PrismaClient } from '@floe/db';
import { runLimited } from '../background/limited';
import { deliverDueAlerts } from './alerts/deliveries';
import { followIncidents } from './incidents';
import { keptDays, saveMinutes } from './minute-days';
import { commitReportsSince, type Db, parseProgress, storeProgress } from './reports';
import { contractedTable, qualifiedName } from './status';

// A pipeline is evaluated by one instance at a time: a transaction-scoped advisory lock on the pipeline
// (two-key, class "frsh"), released by the commit or by Postgres when an instance dies.
export const EVALUATION_LOCK_CLASS = 0x66727368;
// Pipelines evaluated at once; each in a short transaction of its own, so a pipeline with a flood of
// reports holds no lock another needs and, past its time limit, is rolled back alone.
const CONCURRENCY = 4;
const PIPELINE_TIMEOUT_MS = 60_000;
// Reports are read again from a little before the last evaluated minute: one stored while the previous
// run was reading is not lost (applying a report twice changes nothing).
const REREAD_MS = 5 * MINUTE_MS;

type ContractToEvaluate = NonNullable<Awaited<ReturnType<typeof contractToEvaluate>>>;

function contractToEvaluate(db: Db, pipelineId: string) {
  return db.contract.findUnique({
    where: { pipelineId },
    include: {
      versions: { orderBy: { version: 'desc' }, take: 1 },
      alertDestinations: true,
      pipeline: {
        include: { freshnessState: true, versions: { orderBy: { version: 'desc' }, take: 1 } },
      },
    },
  });
}

/** Evaluates one pipeline under its lock; false when another instance holds it. */
function evaluateUnderLock(db: PrismaClient, pipelineId: string, now: Date) {
  return db.$transaction(
    async (tx) => {
      const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(${EVALUATION_LOCK_CLASS}::int, hashtext(${pipelineId})) AS locked`;
      if (!lock?.locked) return false;
      // Read under the lock: what another instance committed a moment ago is seen.
      const contract = await contractToEvaluate(tx, pipelineId);
      if (contract) await evaluatePipeline(tx, contract, now);
      return true;
    },
    { maxWait: 10_000, timeout: PIPELINE_TIMEOUT_MS },
  );
}

/**
 * Evaluates every contracted pipeline's freshness for each minute that ended since its last
 * evaluation (up to the minute holding `now`), records the minutes, opens and resolves incidents and
 * queues their alerts (sent by deliverDueAlerts, on its own schedule). Each pipeline is all or nothing:
 * one that fails (a contract that no longer parses, say) is tried again next minute, and the others
 * are still evaluated. Safe to run from several instances at once.
 */
export async function evaluateFreshness(db: PrismaClient, now: Date) {
  const contracts = await db.contract.findMany({
    select: { pipelineId: true },
    orderBy: { pipelineId: 'asc' },
  });
  const results = await runLimited(contracts, CONCURRENCY, ({ pipelineId }) =>
    evaluateUnderLock(db, pipelineId, now),
  );
  const failures: { pipelineId: string; error: string }[] = [];
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') return;
    const error = result.reason;
    failures.push({
      pipelineId: contracts[i]?.pipelineId as string,
      error: error instanceof Error ? error.message : String(error),
    });
  });
  const evaluated = results.filter((r) => r.status === 'fulfilled' && r.value).length;
  const skipped = results.filter((r) => r.status === 'fulfilled' && !r.value).length;
  return { evaluated, skipped, failures };
}

/** Evaluates now, then sends the alerts that are due: one minute's work in one call (tests, one-off runs). */
export async function evaluateContracts(db: PrismaClient, now: Date) {
  return { ...(await evaluateFreshness(db, now)), alerts: await deliverDueAlerts(db, now) };
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
