import { z } from 'zod';
import { connectionSchema } from './connection';
import { catalogSchema, pipelineSpecSchema, storageSchema } from './pipeline-spec';

const tableRef = z.object({
  catalog: catalogSchema,
  namespace: z.array(z.string()).min(1),
  name: z.string().min(1),
  storage: storageSchema,
});

/** Every job the control plane sends an agent, by `kind`. */
export const jobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pipeline.start'), pipeline: pipelineSpecSchema }),
  z.object({ kind: z.literal('pipeline.update'), pipeline: pipelineSpecSchema }),
  z.object({ kind: z.literal('pipeline.stop'), pipelineId: z.string().min(1) }),
  z.object({
    kind: z.literal('pipeline.backfill'),
    pipelineId: z.string().min(1),
    fromTimestampMs: z.number().int().nonnegative(),
    toTimestampMs: z.number().int().nonnegative().optional(),
  }),
  z.object({ kind: z.literal('connection.test'), connection: connectionSchema }),
  z.object({
    kind: z.literal('table.compact'),
    table: tableRef,
    targetFileSizeBytes: z
      .number()
      .int()
      .positive()
      .default(128 * 1024 * 1024),
    smallFileBytes: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('table.expire-snapshots'),
    table: tableRef,
    olderThanMs: z.number().int().positive(),
    retainLast: z.number().int().min(1).default(10),
  }),
  z.object({
    kind: z.literal('table.remove-orphans'),
    table: tableRef,
    olderThanMs: z
      .number()
      .int()
      .positive()
      .default(3 * 86_400_000),
  }),
]);

export type Job = z.infer<typeof jobSchema>;
export type JobKind = Job['kind'];
