import type { PrismaClient } from '@floe/db';
import { jobStates } from './job-states';

/** A backfill that replaced the pipeline's table: when, main's snapshot after it and the one before. */
export interface Cutover {
  backfillId: string;
  at: Date;
  snapshotId: string;
  replacedSnapshotId: string | null;
}

/** Cutovers kept on the contract and the share page. */
const SHOWN = 10;

/**
 * The pipeline's backfills that were cut over, newest first, as their cutover jobs reported them: the
 * time main was replaced and its snapshot then. A cutover that failed or has not ended is not one.
 */
export async function pipelineCutovers(
  db: PrismaClient,
  organizationId: string,
  pipelineId: string,
): Promise<Cutover[]> {
  const rows = await db.backfill.findMany({
    where: { organizationId, pipelineId, cutoverJobId: { not: null } },
    orderBy: { createdAt: 'desc' },
    take: SHOWN * 2,
  });
  const states = await jobStates(
    db,
    organizationId,
    rows.map((r) => r.cutoverJobId as string),
  );
  return rows
    .flatMap((r): Cutover[] => {
      const { state, result } = states.get(r.cutoverJobId as string) ?? {};
      if (state !== 'finished' || !result || typeof result.snapshotId !== 'string') return [];
      return [
        {
          backfillId: r.id,
          at: new Date(Number(result.cutoverAtMs)),
          snapshotId: result.snapshotId,
          replacedSnapshotId:
            typeof result.replacedSnapshotId === 'string' && result.replacedSnapshotId !== ''
              ? result.replacedSnapshotId
              : null,
        },
      ];
    })
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, SHOWN);
}
