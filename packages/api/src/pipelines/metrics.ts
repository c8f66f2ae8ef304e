import { HEARTBEAT_SECONDS } from '@floe/protocol';
import type { Db } from '../contracts/reports';

/** The window the pipeline page charts, and how many points a series of it holds at most. */
export const METRICS_WINDOW_MS = 86_400_000;
export const MAX_POINTS = 720;
const RECENT_ERRORS = 20;

export interface CommitPoint {
  atMs: number;
  /** The commits this point stands for: 1, or more where the window had more commits than points. */
  commits: number;
  records: number;
  bytes: number;
  dataFiles: number;
  deadLettered: number;
}

export interface RatePoint {
  atMs: number;
  recordsPerSecond: number;
  lagRecords: number;
}

export interface PipelineMetrics {
  commits: CommitPoint[];
  rates: RatePoint[];
  errors: { atMs: number; errorClass: string; message: string }[];
  /** Over the whole window, whatever the downsampling. */
  totals: { commits: number; records: number; deadLettered: number };
}

/**
 * A pipeline's commit reports, throughput readings and errors over the window up to `now`, from its
 * agent's events. A series with more events than MAX_POINTS is downsampled into even time buckets
 * across the whole window (commits summed, the rate averaged, the lag the bucket's last), never cut:
 * the newest events are always in it. Errors are the newest few.
 */
export async function pipelineMetrics(
  db: Db,
  /** With the agents whose reports count for it (placement.ts: reportingAgents). */
  pipeline: { id: string; agentIds: string[] },
  now = new Date(),
): Promise<PipelineMetrics> {
  const since = new Date(now.getTime() - METRICS_WINDOW_MS);
  const bucketMs = Math.ceil(METRICS_WINDOW_MS / MAX_POINTS);
  const [totals] = await db.$queryRaw<{ commits: number; records: number; deadLettered: number }[]>`
    SELECT COUNT(*)::int AS commits,
      COALESCE(SUM((payload->>'records')::bigint), 0)::float8 AS records,
      COALESCE(SUM((payload->>'deadLettered')::bigint), 0)::float8 AS "deadLettered"
    FROM "AgentEvent"
    WHERE "agentId" = ANY(${pipeline.agentIds}) AND type = 'commit.report'
      AND payload->>'pipelineId' = ${pipeline.id} AND "receivedAt" >= ${since}`;
  const [{ rates: rateCount } = { rates: 0 }] = await db.$queryRaw<{ rates: number }[]>`
    SELECT COUNT(*)::int AS rates FROM "AgentEvent"
    WHERE "agentId" = ANY(${pipeline.agentIds}) AND type = 'metrics'
      AND payload->>'pipelineId' = ${pipeline.id} AND "receivedAt" >= ${since}`;
  // One point per commit while they fit; else one per bucket (a commit by the time the agent made it).
  const commitBucket = (totals?.commits ?? 0) > MAX_POINTS ? bucketMs : 1;
  const commits = await db.$queryRaw<CommitPoint[]>`
    SELECT MAX((payload->>'committedAtMs')::bigint)::float8 AS "atMs",
      COUNT(*)::int AS commits,
      SUM((payload->>'records')::bigint)::float8 AS records,
      SUM((payload->>'bytes')::bigint)::float8 AS bytes,
      SUM((payload->>'dataFiles')::bigint)::float8 AS "dataFiles",
      SUM((payload->>'deadLettered')::bigint)::float8 AS "deadLettered"
    FROM "AgentEvent"
    WHERE "agentId" = ANY(${pipeline.agentIds}) AND type = 'commit.report'
      AND payload->>'pipelineId' = ${pipeline.id} AND "receivedAt" >= ${since}
    GROUP BY CASE WHEN ${commitBucket}::int = 1 THEN id::text
      ELSE (floor((payload->>'committedAtMs')::bigint / ${commitBucket}::float8))::text END
    ORDER BY "atMs" ASC`;
  // A pool's members report at their own times: their readings are summed per heartbeat (their
  // partitions are disjoint), each member's rate averaged and its newest lag taken within the bucket.
  const rateBucket =
    rateCount > MAX_POINTS ? bucketMs : pipeline.agentIds.length > 1 ? HEARTBEAT_SECONDS * 1000 : 1;
  const rates = await db.$queryRaw<RatePoint[]>`
    WITH readings AS (
      SELECT "agentId", "receivedAt",
        (payload->>'recordsPerSecond')::float8 AS rate, (payload->>'lagRecords')::float8 AS lag,
        CASE WHEN ${rateBucket}::int = 1 THEN id::text
          ELSE (floor(EXTRACT(EPOCH FROM "receivedAt") * 1000 / ${rateBucket}::float8))::text END AS bucket
      FROM "AgentEvent"
      WHERE "agentId" = ANY(${pipeline.agentIds}) AND type = 'metrics'
        AND payload->>'pipelineId' = ${pipeline.id} AND "receivedAt" >= ${since}
    ), per_member AS (
      SELECT bucket, MAX("receivedAt") AS at, AVG(rate) AS rate,
        (array_agg(lag ORDER BY "receivedAt" DESC))[1] AS lag
      FROM readings GROUP BY bucket, "agentId"
    )
    SELECT (EXTRACT(EPOCH FROM MAX(at)) * 1000)::float8 AS "atMs",
      SUM(rate)::float8 AS "recordsPerSecond", SUM(lag)::float8 AS "lagRecords"
    FROM per_member GROUP BY bucket ORDER BY "atMs" ASC`;
  const errors = await db.$queryRaw<{ receivedAt: Date; payload: Record<string, unknown> }[]>`
    SELECT payload, "receivedAt" FROM "AgentEvent"
    WHERE "agentId" = ANY(${pipeline.agentIds}) AND type = 'error'
      AND payload->>'pipelineId' = ${pipeline.id} AND "receivedAt" >= ${since}
    ORDER BY "receivedAt" DESC, id DESC LIMIT ${RECENT_ERRORS}`;
  return {
    commits,
    rates,
    errors: errors.reverse().map((r) => ({
      atMs: r.receivedAt.getTime(),
      errorClass: String(r.payload.errorClass),
      message: String(r.payload.message),
    })),
    totals: totals ?? { commits: 0, records: 0, deadLettered: 0 },
  };
}
