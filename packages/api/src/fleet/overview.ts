import { compliance, contractSchema, DAY_MS, type DayRecord, dayStartOf, MINUTE_MS } from '@floe/contracts';
import { AGENT_RELEASE, OFFLINE_AFTER_SECONDS } from '@floe/protocol';
import { dayRecord } from '../contracts/minute-days';
import { type Db, type StoredCommitReport, storedCommitReport } from '../contracts/reports';
import { freshnessFrom } from '../contracts/status';
import { compactionsOf } from '../maintenance/compactions';
import { METRICS_WINDOW_MS } from '../pipelines/metrics';
import { isOlderThan } from './agent-version';

/**
 * What the overview says of a pipeline, worst first: failing (an error since its last commit),
 * breaching (its contract's error budget is spent), late (behind its contract's freshness now),
 * healthy, paused.
 */
export const PIPELINE_STATES = ['failing', 'breaching', 'late', 'healthy', 'paused'] as const;
export type PipelineState = (typeof PIPELINE_STATES)[number];

interface NewestEvent {
  pipelineId: string;
  payload: Record<string, unknown>;
  receivedAt: Date;
}

/**
 * The newest event of a type per pipeline of the organization (or of the pipelines named), received
 * after `since`: one query, each pipeline's lookup walking its agent's (or its pool members')
 * (agentId, type, receivedAt) index from the newest.
 */
function newestPerPipeline(db: Db, organizationId: string, type: string, since: Date, only?: string[]) {
  return db.$queryRaw<NewestEvent[]>`
    SELECT p.id AS "pipelineId", e.payload, e."receivedAt"
    FROM "Pipeline" p
    CROSS JOIN LATERAL (
      SELECT payload, "receivedAt" FROM "AgentEvent"
      WHERE ("agentId" = p."agentId" OR "agentId" IN (SELECT id FROM "Agent" WHERE "poolId" = p."poolId"))
        AND type = ${type} AND "receivedAt" > ${since}
        AND payload->>'pipelineId' = p.id
      ORDER BY "receivedAt" DESC, id DESC LIMIT 1) e
    WHERE p."organizationId" = ${organizationId} AND (${only ?? null}::text[] IS NULL OR p.id = ANY(${only ?? null}::text[]))`;
}

/**
 * The newest commit report of every pipeline: first within the recent window (cheap: the index walk
 * stops soon), then, for the few pipelines with none there, over everything still kept.
 */
async function newestCommits(db: Db, organizationId: string, pipelineIds: string[], recent: Date) {
  const found = await newestPerPipeline(db, organizationId, 'commit.report', recent);
  const seen = new Set(found.map((r) => r.pipelineId));
  const stale = pipelineIds.filter((id) => !seen.has(id));
  if (stale.length === 0) return found;
  return [...found, ...(await newestPerPipeline(db, organizationId, 'commit.report', new Date(0), stale))];
}

/** The newest error per agent of the organization (with or without a pipeline) since `since`. */
function newestErrorPerAgent(db: Db, organizationId: string, since: Date) {
  return db.$queryRaw<{ agentId: string; payload: Record<string, unknown>; receivedAt: Date }[]>`
    SELECT a.id AS "agentId", e.payload, e."receivedAt"
    FROM "Agent" a
    CROSS JOIN LATERAL (
      SELECT payload, "receivedAt" FROM "AgentEvent"
      WHERE "agentId" = a.id AND type = 'error' AND "receivedAt" > ${since}
      ORDER BY "receivedAt" DESC, id DESC LIMIT 1) e
    WHERE a."organizationId" = ${organizationId}`;
}

/**
 * Each pipeline's newest throughput and lag: its agent's newest metrics report, or for a pool the sum
 * of its members' newest reports (their partitions are their own) within the offline window of the
 * pipeline's newest one, so a member that died is no longer counted. One query, as newestPerPipeline.
 */
function newestRatePerPipeline(db: Db, organizationId: string, since: Date) {
  return db.$queryRaw<NewestEvent[]>`
    WITH member_newest AS (
      SELECT p.id AS "pipelineId", e.payload, e."receivedAt",
        MAX(e."receivedAt") OVER (PARTITION BY p.id) AS newest
      FROM "Pipeline" p
      JOIN "Agent" a ON a.id = p."agentId" OR a."poolId" = p."poolId"
      CROSS JOIN LATERAL (
        SELECT payload, "receivedAt" FROM "AgentEvent"
        WHERE "agentId" = a.id AND type = 'metrics' AND "receivedAt" > ${since}
          AND payload->>'pipelineId' = p.id
        ORDER BY "receivedAt" DESC, id DESC LIMIT 1) e
      WHERE p."organizationId" = ${organizationId}
    )
    SELECT "pipelineId", MAX("receivedAt") AS "receivedAt",
      jsonb_build_object(
        'lagRecords', SUM((payload->>'lagRecords')::numeric)::text,
        'recordsPerSecond', SUM((payload->>'recordsPerSecond')::float8)) AS payload
    FROM member_newest
    WHERE "receivedAt" > newest - make_interval(secs => ${OFFLINE_AFTER_SECONDS})
    GROUP BY "pipelineId"`;
}

const byPipeline = <T extends { pipelineId: string }>(rows: T[]) =>
  new Map(rows.map((r) => [r.pipelineId, r]));
const errorText = (payload: Record<string, unknown>) => `${payload.errorClass}: ${payload.message}`;

/**
 * Every pipeline and agent of an organization with what the overview shows of them, in a fixed
 * handful of queries whatever the number of pipelines. Freshness and compliance are computed as
 * the pipeline and share pages compute them (freshnessFrom, @floe/contracts compliance).
 */
export async function fleetOverview(db: Db, organizationId: string, now = new Date()) {
  const nowMs = now.getTime();
  const recent = new Date(nowMs - METRICS_WINDOW_MS);
  const [pipelines, agents, rates, errors, agentErrors, compactions] = await Promise.all([
    db.pipeline.findMany({
      where: { organizationId },
      include: {
        agent: { select: { name: true } },
        pool: { select: { name: true } },
        freshnessState: true,
        contract: { include: { versions: { orderBy: { version: 'desc' }, take: 1 } } },
        _count: { select: { incidents: { where: { resolvedAt: null } } } },
      },
      orderBy: { name: 'asc' },
    }),
    db.agent.findMany({
      where: { organizationId, revokedAt: null },
      include: { _count: { select: { pipelines: true } } },
      orderBy: { name: 'asc' },
    }),
    newestRatePerPipeline(db, organizationId, recent),
    newestPerPipeline(db, organizationId, 'error', recent),
    newestErrorPerAgent(db, organizationId, recent),
    compactionsOf(db, organizationId),
  ]);
  const commits = await newestCommits(
    db,
    organizationId,
    pipelines.map((p) => p.id),
    recent,
  );
  const [newestCommit, newestRate, newestError] = [
    byPipeline(commits),
    byPipeline(rates),
    byPipeline(errors),
  ];

  const slos = new Map(
    pipelines.flatMap((p) => {
      const body = p.contract?.versions[0]?.body;
      return body ? [[p.id, contractSchema.parse(body).slo] as const] : [];
    }),
  );
  const untilMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const longestWindow = Math.max(0, ...[...slos.values()].map((s) => s.windowDays));
  const days = slos.size
    ? await db.freshnessDay.findMany({
        where: {
          pipelineId: { in: [...slos.keys()] },
          day: { gte: new Date(dayStartOf(untilMs - longestWindow * DAY_MS)) },
        },
        orderBy: { day: 'asc' },
      })
    : [];

  const daysOf = new Map<string, DayRecord[]>();
  for (const d of days) {
    const list = daysOf.get(d.pipelineId) ?? [];
    list.push(dayRecord(d));
    daysOf.set(d.pipelineId, list);
  }

  const pipelineRows = pipelines.map((p) => {
    const commitRow = newestCommit.get(p.id);
    const report: StoredCommitReport | null = commitRow
      ? storedCommitReport(commitRow.payload, commitRow.receivedAt)
      : null;
    const freshness = freshnessFrom(p.freshnessState?.progress, report ? [report] : [], nowMs);
    const slo = slos.get(p.id) ?? null;
    const budget = slo
      ? compliance(daysOf.get(p.id) ?? [], {
          untilMs,
          windowDays: slo.windowDays,
          targetPercent: slo.targetPercent,
        })
      : null;
    const error = newestError.get(p.id);
    const rate = newestRate.get(p.id);
    const failing = error !== undefined && (!commitRow || error.receivedAt > commitRow.receivedAt);
    const late = slo !== null && freshness !== null && freshness.seconds > slo.freshnessMinutes * 60;
    const state: PipelineState =
      p.status === 'PAUSED'
        ? 'paused'
        : failing
          ? 'failing'
          : budget && budget.budgetLeftMinutes < 0
            ? 'breaching'
            : late
              ? 'late'
              : 'healthy';
    return {
      id: p.id,
      name: p.name,
      agentName: p.agent?.name ?? p.pool?.name ?? '',
      state,
      // null before the first commit report, or while a partition is behind with nothing committed.
      freshnessSeconds: freshness && Number.isFinite(freshness.seconds) ? freshness.seconds : null,
      sloMinutes: slo?.freshnessMinutes ?? null,
      compliancePercent: budget?.compliancePercent ?? null,
      lagRecords: rate ? Number(rate.payload.lagRecords) : null,
      recordsPerSecond: rate ? Number(rate.payload.recordsPerSecond) : null,
      lastCommitAtMs: freshness?.lastCommitAtMs ?? null,
      lastError: error ? { atMs: error.receivedAt.getTime(), text: errorText(error.payload) } : null,
      openIncidents: p._count.incidents,
      compaction: compactions.get(p.id) ?? { running: null, last: null },
    };
  });

  const onlineSince = nowMs - OFFLINE_AFTER_SECONDS * 1000;
  const agentErrorOf = new Map(agentErrors.map((e) => [e.agentId, e]));
  const agentRows = agents.map((a) => {
    const error = agentErrorOf.get(a.id);
    const status = !a.enrolledAt
      ? ('awaiting-install' as const)
      : a.lastHeartbeatAt && a.lastHeartbeatAt.getTime() > onlineSince
        ? ('online' as const)
        : ('offline' as const);
    return {
      id: a.id,
      name: a.name,
      status,
      version: a.version,
      upgradeAvailable: a.version === null ? null : isOlderThan(a.version, AGENT_RELEASE),
      // Only a running agent has an uptime; an agent too old to report its start has none known.
      uptimeSeconds:
        status === 'online' && a.startedAt
          ? Math.max(0, Math.floor((nowMs - a.startedAt.getTime()) / 1000))
          : null,
      enrolledAtMs: a.enrolledAt?.getTime() ?? null,
      lastSeenAtMs: a.lastHeartbeatAt?.getTime() ?? null,
      pipelines: a._count.pipelines,
      lastError: error ? { atMs: error.receivedAt.getTime(), text: errorText(error.payload) } : null,
    };
  });
  return { pipelines: pipelineRows, agents: agentRows, agentRelease: AGENT_RELEASE };
}
