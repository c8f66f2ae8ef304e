import { z } from 'zod';
import { kafkaDescriptionSchema } from './discovery';
import { tableDescriptionSchema } from './table-description';

// Offsets and snapshot ids are 64-bit: carried as decimal strings, never JS numbers.
const int64 = z.string().regex(/^-?\d{1,19}$/, 'a 64-bit integer as a decimal string');

// Every string and array an agent sends is bounded: the control plane stores events as they come.
const id = z.string().max(200);
const errorClass = z.string().max(200);
// Kafka's own limit on a topic name.
const topic = z.string().max(249);
const MAX_PARTITIONS = 10_000;
const MAX_RESULT_FIGURES = 200;

export const partitionProgressSchema = z.object({
  topic,
  partition: z.number().int().nonnegative(),
  committedOffset: int64,
  logEndOffset: int64,
  // Any number: a producer's clock may say anything (2^60 ms too); the control plane bounds it by its own.
  newestCommittedRecordMs: z.number().nullable(),
});

/** A partition a member reads: records behind its log end and, when known, seconds (see PartitionLag). */
const memberPartitionSchema = z.object({
  topic,
  partition: z.number().int().nonnegative(),
  lagRecords: int64,
  lagSeconds: z.number().nonnegative().nullable(),
});

/**
 * What an agent reports: metadata only. No record keys, values or headers ever appear here;
 * errors carry a class and a message written by Floe, not record content.
 */
export const agentEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('heartbeat'),
    agentVersion: z.string().max(100),
    // Seconds since the agent's process started (a duration: no clock skew); older agents send none.
    uptimeSeconds: z
      .number()
      .int()
      .nonnegative()
      .max(100 * 365 * 86_400)
      .optional(),
    runningPipelines: z.array(id).max(MAX_PARTITIONS),
  }),
  z.object({ type: z.literal('job.started'), jobId: id }),
  z.object({
    type: z.literal('job.progress'),
    jobId: id,
    fraction: z.number().min(0).max(1),
    message: z.string().max(500),
  }),
  z.object({
    type: z.literal('job.finished'),
    jobId: id,
    result: z
      .record(z.string().max(100), z.union([z.string().max(2000), z.number(), z.boolean()]))
      .refine((r) => Object.keys(r).length <= MAX_RESULT_FIGURES, `at most ${MAX_RESULT_FIGURES} figures`),
  }),
  // A kafka.describe job's answer: the schema itself bounds it to metadata (see discovery.ts).
  z.object({ type: z.literal('kafka.described'), jobId: id, description: kafkaDescriptionSchema }),
  // A table.describe job's answer: the table's metadata, no row (see table-description.ts).
  z.object({ type: z.literal('table.described'), jobId: id, description: tableDescriptionSchema }),
  z.object({
    type: z.literal('job.failed'),
    jobId: id,
    errorClass,
    message: z.string().max(2000),
  }),
  z.object({
    type: z.literal('commit.report'),
    pipelineId: id,
    table: z.string().max(1000),
    snapshotId: int64,
    committedAtMs: z.number(),
    records: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    dataFiles: z.number().int().nonnegative(),
    // Position delete files the commit added (an upsert's); older agents send none.
    deleteFiles: z.number().int().nonnegative().optional(),
    // The table after the commit, from its snapshot summary: rows in its data files (deleted ones
    // included), its delete files and the rows they delete. Absent when the summary lacks a total.
    tableTotals: z
      .object({
        records: z.number().int().nonnegative(),
        deleteFiles: z.number().int().nonnegative(),
        positionDeletes: z.number().int().nonnegative(),
      })
      .optional(),
    deadLettered: z.number().int().nonnegative(),
    partitions: z.array(partitionProgressSchema).max(MAX_PARTITIONS),
  }),
  z.object({
    type: z.literal('metrics'),
    pipelineId: id,
    recordsPerSecond: z.number().nonnegative(),
    lagRecords: int64,
    // The partitions this member reads now and each one's lag (a pool's members split a pipeline's
    // partitions); older agents send none.
    partitions: z.array(memberPartitionSchema).max(MAX_PARTITIONS).optional(),
  }),
  z.object({
    type: z.literal('error'),
    pipelineId: id.optional(),
    errorClass,
    message: z.string().max(2000),
  }),
]);

export type AgentEvent = z.infer<typeof agentEventSchema>;

/** Events travel in batches with the time the agent sent them (its clock). */
export const agentEventBatchSchema = z.object({
  protocolVersion: z.number().int().positive(),
  sentAtMs: z.number().int(),
  events: z.array(agentEventSchema).min(1).max(1000),
});
