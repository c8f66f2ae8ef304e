import type { CommitReport, ReportedPartition, TableProgress } from '@floe/contracts';
import type { Prisma, PrismaClient } from '@floe/db';
import { agentEventSchema, partitionProgressSchema } from '@floe/protocol';
import { z } from 'zod';

export type Db = PrismaClient | Prisma.TransactionClient;

type WirePartition = z.infer<typeof partitionProgressSchema>;

const fromWire = (p: WirePartition): ReportedPartition => ({
  ...p,
  committedOffset: BigInt(p.committedOffset),
  logEndOffset: BigInt(p.logEndOffset),
});
const toWire = (p: ReportedPartition): WirePartition => ({
  ...p,
  committedOffset: p.committedOffset.toString(),
  logEndOffset: p.logEndOffset.toString(),
});

// Progress as kept in FreshnessState: offsets as decimal strings, like the protocol carries them.
const storedProgressSchema = z.object({
  observedAtMs: z.number(),
  partitions: z.array(partitionProgressSchema),
});

export function parseProgress(stored: unknown): TableProgress | null {
  if (stored === null || stored === undefined) return null;
  const { observedAtMs, partitions } = storedProgressSchema.parse(stored);
  return { observedAtMs, partitions: partitions.map(fromWire) };
}

export function storeProgress(progress: TableProgress) {
  return { observedAtMs: progress.observedAtMs, partitions: progress.partitions.map(toWire) };
}

export interface StoredCommitReport extends CommitReport {
  snapshotId: string;
}

/**
 * The pipeline's commit reports stored after `since`, with the newest one stored before it (where
 * things stood then). Only the organization's own agents speak for its pipelines.
 */
export async function commitReportsSince(
  db: Db,
  pipeline: { id: string; organizationId: string },
  since: Date,
): Promise<StoredCommitReport[]> {
  const rows = await db.$queryRaw<{ payload: unknown; receivedAt: Date }[]>`
    (SELECT payload, "receivedAt" FROM "AgentEvent"
      WHERE type = 'commit.report' AND payload->>'pipelineId' = ${pipeline.id} AND "receivedAt" <= ${since}
        AND "agentId" IN (SELECT id FROM "Agent" WHERE "organizationId" = ${pipeline.organizationId})
      ORDER BY "receivedAt" DESC, id DESC LIMIT 1)
    UNION ALL
    (SELECT payload, "receivedAt" FROM "AgentEvent"
      WHERE type = 'commit.report' AND payload->>'pipelineId' = ${pipeline.id} AND "receivedAt" > ${since}
        AND "agentId" IN (SELECT id FROM "Agent" WHERE "organizationId" = ${pipeline.organizationId}))`;
  return rows.flatMap(({ payload, receivedAt }) => {
    const report = storedCommitReport(payload, receivedAt);
    return report ? [report] : [];
  });
}

/** A stored commit.report event as a report, or null when it no longer parses (an older protocol). */
export function storedCommitReport(payload: unknown, receivedAt: Date): StoredCommitReport | null {
  // Stored events were checked on arrival; one that no longer parses is skipped.
  const event = agentEventSchema.safeParse(payload);
  if (!event.success || event.data.type !== 'commit.report') return null;
  const { committedAtMs, partitions, snapshotId } = event.data;
  return {
    committedAtMs,
    receivedAtMs: receivedAt.getTime(),
    partitions: partitions.map(fromWire),
    snapshotId,
  };
}
