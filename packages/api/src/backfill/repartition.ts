import { isDeepStrictEqual } from 'node:util';
import type { Prisma, PrismaClient } from '@floe/db';
import { type AgentEvent, pipelineSpecSchema } from '@floe/protocol';
import { pipelinesOfAgent } from '../pipelines/placement';
import { parsePartitionBy } from '../pipelines/schemas';

/**
 * A re-partitioning backfill whose cutover finished makes the pipeline's next version: its spec and
 * wizard answers partition the table as the backfill did, so the version describes the table main now
 * is (the agent's live writer already writes in the table's new default spec). Only for pipelines of
 * the reporting agent; once per cutover: a report sent again finds the version made.
 */
export async function storeRepartitionedVersions(
  db: PrismaClient,
  agent: { id: string; poolId: string | null },
  events: readonly AgentEvent[],
): Promise<void> {
  for (const event of events) {
    if (event.type !== 'job.finished' || typeof event.result.snapshotId !== 'string') continue;
    const backfill = await db.backfill.findFirst({ where: { cutoverJobId: event.jobId } });
    const text = (backfill?.request as { partitionBy?: string } | undefined)?.partitionBy ?? '';
    const partitionBy = parsePartitionBy(text);
    if (backfill === null || partitionBy.length === 0) continue;
    const pipeline = await db.pipeline.findFirst({
      where: { id: backfill.pipelineId, organizationId: backfill.organizationId, ...pipelinesOfAgent(agent) },
      include: { versions: { orderBy: { version: 'desc' }, take: 1 } },
    });
    const latest = pipeline?.versions[0];
    if (pipeline == null || latest === undefined) continue;
    const spec = pipelineSpecSchema.parse(latest.spec);
    if (isDeepStrictEqual(spec.table.partitionBy, partitionBy)) continue;
    const version = latest.version + 1;
    const wizard = latest.wizard as Prisma.JsonObject | null;
    await db.pipeline.update({
      where: { id: pipeline.id },
      data: {
        currentVersion: version,
        versions: {
          create: {
            version,
            spec: { ...spec, version, table: { ...spec.table, partitionBy } },
            ...(wizard !== null && { wizard: { ...wizard, partitionBy: text } }),
            createdById: backfill.createdById,
          },
        },
      },
    });
  }
}
