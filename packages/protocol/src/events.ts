import { z } from 'zod';

// Offsets and snapshot ids are 64-bit: carried as decimal strings, never JS numbers.
const int64 = z.string().regex(/^-?\d{1,19}$/, 'a 64-bit integer as a decimal string');

export const partitionProgressSchema = z.object({
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  committedOffset: int64,
  logEndOffset: int64,
  // Any number: a producer's clock may say anything (2^60 ms too); the control plane bounds it by its own.
  newestCommittedRecordMs: z.number().nullable(),
});

/**
 * What an agent reports: metadata only. No record keys, values or headers ever appear here;
 * errors carry a class and a message written by Floe, not record content.
 */
export const agentEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('heartbeat'), agentVersion: z.string(), runningPipelines: z.array(z.string()) }),
  z.object({ type: z.literal('job.started'), jobId: z.string() }),
  z.object({
    type: z.literal('job.progress'),
    jobId: z.string(),
    fraction: z.number().min(0).max(1),
    message: z.string().max(500),
  }),
  z.object({
    type: z.literal('job.finished'),
    jobId: z.string(),
    result: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  }),
  z.object({
    type: z.literal('job.failed'),
    jobId: z.string(),
    errorClass: z.string(),
    message: z.string().max(2000),
  }),
  z.object({
    type: z.literal('commit.report'),
    pipelineId: z.string(),
    table: z.string(),
    snapshotId: int64,
    committedAtMs: z.number(),
    records: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    dataFiles: z.number().int().nonnegative(),
    deadLettered: z.number().int().nonnegative(),
    partitions: z.array(partitionProgressSchema),
  }),
  z.object({
    type: z.literal('metrics'),
    pipelineId: z.string(),
    recordsPerSecond: z.number().nonnegative(),
    lagRecords: int64,
  }),
  z.object({
    type: z.literal('error'),
    pipelineId: z.string().optional(),
    errorClass: z.string(),
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
