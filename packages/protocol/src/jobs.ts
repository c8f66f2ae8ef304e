import { z } from 'zod';
import { type Connection, connectionSchema } from './connection';
import { kafkaDescribeJobSchema } from './discovery';
import { catalogSchema, partitionFieldSchema, pipelineSpecSchema, storageSchema } from './pipeline-spec';

const tableRef = z.object({
  catalog: catalogSchema,
  namespace: z.array(z.string()).min(1),
  name: z.string().min(1),
  storage: storageSchema,
});

/** A snapshot id: 64-bit, as a decimal string. */
export const snapshotIdSchema = z
  .string()
  .regex(/^-?\d{1,19}$/, 'a snapshot id: a 64-bit integer as a decimal string');

/** A backfill's id: its branch is backfill-<id>. */
export const backfillIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a backfill id: lowercase letters, digits and -, at most 40');

const byTime = z.object({ timestampMs: z.number().int().nonnegative() });
/** Offsets by "topic:partition". */
const byOffsets = z.object({
  offsets: z.record(
    z.string().regex(/^[\w.-]{1,249}:\d{1,5}$/, 'topic:partition'),
    z.string().regex(/^\d{1,19}$/, 'an offset as a decimal string'),
  ),
});

/** A tag's name: a word of letters, digits, '.', '_' and '-'; main and Floe's backfill branches are not tags. */
export const tagNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][\w.-]{0,99}$/, "a tag name: letters, digits, '.', '_' and '-', at most 100")
  .refine((name) => name !== 'main' && !name.startsWith('backfill-'), {
    message: "main and names starting with backfill- are Floe's branches, not tags",
  });

/**
 * The customer's role a storage or Glue catalog connection test acts as: the fields, and their rules,
 * that a pipeline spec names its role with (`table.storage.roleArn` and `externalId`), so that the
 * test proves what a pipeline using the connection will do. Without them the agent's own identity tests.
 */
const testRoleFields = storageSchema.pick({ roleArn: true, externalId: true }).shape;

/** The connections a pipeline reaches with its role: its bucket, a Glue catalog, a SigV4-signed REST catalog. */
export function connectionTakesRole(connection: Connection): boolean {
  if (connection.type === 'storage') return true;
  if (connection.type !== 'catalog') return false;
  const { catalog } = connection;
  return catalog.type === 'glue' || (catalog.type === 'rest' && catalog.auth?.type === 'sigv4');
}

const connectionTestSchema = z
  .object({ kind: z.literal('connection.test'), connection: connectionSchema, ...testRoleFields })
  .refine((job) => (job.roleArn === undefined) === (job.externalId === undefined), {
    message: 'a role and its external id go together: Floe never assumes a role without one',
    path: ['externalId'],
  })
  .refine((job) => job.roleArn === undefined || connectionTakesRole(job.connection), {
    message: 'only a storage, Glue catalog or SigV4-signed REST catalog connection is tested as a role',
    path: ['roleArn'],
  });

/** Every job the control plane sends an agent, by `kind`. */
export const jobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pipeline.start'), pipeline: pipelineSpecSchema }),
  z.object({ kind: z.literal('pipeline.update'), pipeline: pipelineSpecSchema }),
  z.object({ kind: z.literal('pipeline.stop'), pipelineId: z.string().min(1) }),
  // Rebuilds the pipeline's table on branch backfill-<id> (resumed from the branch when run again).
  z.object({
    kind: z.literal('pipeline.backfill'),
    backfillId: backfillIdSchema,
    pipeline: pipelineSpecSchema,
    start: z.union([z.literal('earliest'), byTime, byOffsets]),
    end: z.union([z.literal('now'), byTime, byOffsets]),
    maxRecordsPerSecond: z.number().int().positive().optional(),
    maxLiveLagRecords: z.number().int().nonnegative().optional(),
    // Re-partitions: the branch is written in this spec, made the table's default at the cutover.
    partitionBy: z.array(partitionFieldSchema).min(1).optional(),
  }),
  // Validates the branch; cuts it over to main (pausing the pipeline on this agent); or drops it.
  z.object({
    kind: z.enum(['pipeline.backfill-validate', 'pipeline.backfill-cutover', 'pipeline.backfill-abort']),
    backfillId: backfillIdSchema,
    pipeline: pipelineSpecSchema,
  }),
  connectionTestSchema,
  kafkaDescribeJobSchema,
  // The table's metadata (schema, partition spec, snapshots) as its catalog holds it, for the table page.
  z.object({ kind: z.literal('table.describe'), table: tableRef }),
  z.object({
    kind: z.literal('table.compact'),
    table: tableRef,
    targetFileSizeBytes: z
      .number()
      .int()
      .positive()
      .default(128 * 1024 * 1024),
    smallFileBytes: z.number().int().positive().optional(),
    // Data files whose deleted rows reach this share of their rows are rewritten without them.
    deleteRatio: z.number().gt(0).max(1).optional(),
  }),
  z.object({
    kind: z.literal('table.expire-snapshots'),
    table: tableRef,
    olderThanMs: z.number().int().positive(),
    retainLast: z.number().int().min(1).default(10),
  }),
  // Recovery: main back to one of its snapshots (the pipeline resumes from that snapshot's offsets).
  z.object({ kind: z.literal('table.rollback'), pipeline: pipelineSpecSchema, snapshotId: snapshotIdSchema }),
  z.object({
    kind: z.literal('table.tag'),
    table: tableRef,
    name: tagNameSchema,
    snapshotId: snapshotIdSchema,
  }),
  z.object({ kind: z.literal('table.untag'), table: tableRef, name: tagNameSchema }),
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

/**
 * The oldest protocol version that reads this job as it is meant, which its envelope carries: an
 * agent refuses a job newer than it, and still runs the ones it understands. 2: a connection test
 * as a role (a version 1 agent would drop the role and test as itself, proving nothing about it).
 * 3: kafka.describe and table.describe (an older agent would refuse them as malformed; this way it
 * says to upgrade). 4: table.rollback, table.tag and table.untag; pipeline.backfill as it is now, and
 * its validate, cutover and abort. 5: a REST catalog's `auth` (OAuth2
 * or SigV4; an older agent would drop it and connect unauthenticated).
 */
export function jobProtocolVersion(job: Job): number {
  const catalog = jobCatalog(job);
  if (catalog?.type === 'rest' && catalog.auth !== undefined) return 5;
  if (
    job.kind === 'table.rollback' ||
    job.kind === 'table.tag' ||
    job.kind === 'table.untag' ||
    job.kind.startsWith('pipeline.backfill')
  )
    return 4;
  if (job.kind === 'kafka.describe' || job.kind === 'table.describe') return 3;
  return job.kind === 'connection.test' && job.roleArn !== undefined ? 2 : 1;
}

function jobCatalog(job: Job) {
  if ('pipeline' in job) return job.pipeline.table.catalog;
  if ('table' in job) return job.table.catalog;
  if (job.kind === 'connection.test' && job.connection.type === 'catalog') return job.connection.catalog;
  return undefined;
}
