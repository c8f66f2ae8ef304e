import type { PrismaClient } from '@floe/db';
import { TRPCError } from '@trpc/server';

/** The organization's pipeline with its newest version, or NOT_FOUND. */
export async function orgPipeline(ctx: { db: PrismaClient; org: { id: string } }, pipelineId: string) {
  const pipeline = await ctx.db.pipeline.findFirst({
    where: { id: pipelineId, organizationId: ctx.org.id },
    include: { versions: { orderBy: { version: 'desc' }, take: 1 } },
  });
  if (!pipeline) throw new TRPCError({ code: 'NOT_FOUND', message: `no pipeline ${pipelineId}` });
  return pipeline;
}
