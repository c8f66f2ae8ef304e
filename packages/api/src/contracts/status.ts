import {
  applyReport,
  type Contract,
  type ContractedTable,
  contractSchema,
  describeChanges,
  freshnessSeconds,
} from '@floe/contracts';
import type { PrismaClient } from '@floe/db';
import { pipelineSpecSchema } from '@floe/protocol';
import { pipelineCutovers } from '../backfill/cutovers';
import { contractHealth } from './health';
import { commitReportsSince, type Db, parseProgress, type StoredCommitReport } from './reports';

/** The table a pipeline writes, as contract exports name it. */
export function contractedTable(
  pipeline: { name: string; currentVersion: number },
  specJson: unknown,
): ContractedTable {
  const spec = pipelineSpecSchema.parse(specJson);
  // Field by field: whatever else the spec holds (addresses, accounts, secret references) stays out.
  return {
    name: pipeline.name,
    version: pipeline.currentVersion,
    namespace: spec.table.namespace,
    table: spec.table.name,
    topics: spec.source.topics,
    partitioning: spec.table.partitionBy.map((p) => `${p.transform}(${p.source})`),
    changes: describeChanges(spec.changes),
  };
}

/** The table's dotted name (namespace.table), as people say it. */
export const qualifiedName = (table: ContractedTable) => [...table.namespace, table.table].join('.');

/**
 * Freshness now, from the newest commit report of the pipeline (null before the first one), on top
 * of what the evaluation knows of its partitions. The report's log-end offsets are as of its commit,
 * so that is when the observation was made (but never after we received it).
 */
export async function currentFreshness(db: Db, pipelineId: string, now = Date.now()) {
  const pipeline = await db.pipeline.findUnique({
    where: { id: pipelineId },
    include: { freshnessState: true },
  });
  if (!pipeline) return null;
  const reports = await commitReportsSince(db, pipeline, new Date(now));
  return freshnessFrom(pipeline.freshnessState?.progress, reports, now);
}

/**
 * Freshness at `now` from the evaluation's stored progress and the reports stored since (the newest
 * one at least): what currentFreshness answers for one pipeline and the fleet overview for many.
 */
export function freshnessFrom(storedProgress: unknown, reports: StoredCommitReport[], now: number) {
  const newest = reports.reduce<StoredCommitReport | null>(
    (a, b) => (a && a.receivedAtMs >= b.receivedAtMs ? a : b),
    null,
  );
  if (!newest) return null;
  const progress = reports.reduce(applyReport, parseProgress(storedProgress));
  if (!progress) return null;
  return {
    seconds: freshnessSeconds(progress, now),
    lastCommitAtMs: newest.committedAtMs,
    snapshotId: newest.snapshotId,
  };
}

/** What a badge link shows, and nothing else: freshness now against the contract's SLO (null: unknown link). */
export async function sharedBadge(db: PrismaClient, badgeToken: string) {
  const contract = await db.contract.findUnique({
    where: { badgeToken },
    include: { versions: { orderBy: { version: 'desc' }, take: 1 } },
  });
  if (!contract) return null;
  const { slo } = contractSchema.parse(contract.versions[0]?.body);
  const freshness = await currentFreshness(db, contract.pipelineId);
  return { freshnessSeconds: freshness?.seconds ?? null, sloMinutes: slo.freshnessMinutes };
}

/** Everything the public share page and its exports show. */
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
  const [freshness, health, cutovers] = await Promise.all([
    currentFreshness(db, contract.pipelineId),
    contractHealth(db, contract.pipelineId, body.slo),
    pipelineCutovers(db, contract.pipeline.organizationId, contract.pipelineId),
  ]);
  const withinSlo = freshness === null ? null : freshness.seconds <= body.slo.freshnessMinutes * 60;
  return {
    ...health,
    contract: body,
    version: contract.currentVersion,
    updatedAt: contract.updatedAt,
    table,
    freshness,
    withinSlo,
    history: contract.versions.map((v) => ({ version: v.version, at: v.createdAt })),
    cutovers,
  };
}
