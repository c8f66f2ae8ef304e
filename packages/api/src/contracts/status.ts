import { type Contract, type ContractedTable, contractSchema, freshnessSeconds } from '@floe/contracts';
import type { PrismaClient } from '@floe/db';
import { agentEventSchema, pipelineSpecSchema } from '@floe/protocol';

/** The table a pipeline writes, as contract exports name it. */
export function contractedTable(
  pipeline: { id: string; name: string; currentVersion: number },
  specJson: unknown,
): ContractedTable {
  const spec = pipelineSpecSchema.parse(specJson);
  return {
    id: pipeline.id,
    name: pipeline.name,
    version: pipeline.currentVersion,
    namespace: spec.table.namespace,
    table: spec.table.name,
    topics: spec.source.topics,
    partitioning: spec.table.partitionBy.map((p) => `${p.transform}(${p.source})`),
    catalog: spec.table.catalog,
  };
}

/**
 * Freshness now, from the newest commit report of the pipeline (null before the first one).
 * The report's log-end offsets are as of its commit, so that is when the observation was made.
 */
export async function currentFreshness(db: PrismaClient, pipelineId: string, now = Date.now()) {
  const [latest] = await db.$queryRaw<{ payload: unknown }[]>`
    SELECT payload FROM "AgentEvent"
    WHERE type = 'commit.report' AND payload->>'pipelineId' = ${pipelineId}
    ORDER BY (payload->>'committedAtMs')::bigint DESC LIMIT 1`;
  if (!latest) return null;
  const report = agentEventSchema.parse(latest.payload);
  if (report.type !== 'commit.report') return null;
  const seconds = freshnessSeconds(
    {
      observedAtMs: report.committedAtMs,
      partitions: report.partitions.map((p) => ({
        committedOffset: BigInt(p.committedOffset),
        logEndOffset: BigInt(p.logEndOffset),
        newestCommittedRecordMs: p.newestCommittedRecordMs,
      })),
    },
    now,
  );
  return { seconds, lastCommitAtMs: report.committedAtMs, snapshotId: report.snapshotId };
}

/** Everything the public share page, its JSON and its badge show. */
export async function sharedContract(db: PrismaClient, shareToken: string) {
  const contract = await db.contract.findUnique({
    where: { shareToken },
    include: {
      pipeline: { include: { versions: { orderBy: { version: 'desc' }, take: 1 } } },
      versions: { orderBy: { version: 'desc' } },
    },
  });
  if (!contract) return null;
  const body: Contract = contractSchema.parse(contract.versions[0]?.body);
  const table = contractedTable(contract.pipeline, contract.pipeline.versions[0]?.spec);
  const freshness = await currentFreshness(db, contract.pipelineId);
  const withinSlo = freshness === null ? null : freshness.seconds <= body.slo.freshnessMinutes * 60;
  return {
    contract: body,
    version: contract.currentVersion,
    updatedAt: contract.updatedAt,
    table,
    freshness,
    withinSlo,
    history: contract.versions.map((v) => ({ version: v.version, at: v.createdAt })),
  };
}
