import { describe, expect, it } from 'vitest';
import { agentEventBatchSchema, agentEventSchema } from './events';

const partition = (i: number) => ({
  topic: 'orders',
  partition: i,
  committedOffset: '10',
  logEndOffset: '12',
  newestCommittedRecordMs: 1,
});

const report = (partitions: number) => ({
  type: 'commit.report',
  pipelineId: 'p',
  table: 'sales.orders',
  snapshotId: '1',
  committedAtMs: 1,
  records: 1,
  bytes: 1,
  dataFiles: 1,
  deadLettered: 0,
  partitions: Array.from({ length: partitions }, (_, i) => partition(i)),
});

const refused = (event: unknown) => !agentEventSchema.safeParse(event).success;

describe('agent events are bounded in every string and array', () => {
  it('takes a large but real commit report', () => {
    expect(agentEventSchema.safeParse(report(10_000)).success).toBe(true);
  });

  it('takes an upsert commit report with its delete files and the table totals, and refuses negative ones', () => {
    const upsert = {
      ...report(1),
      deleteFiles: 2,
      tableTotals: { records: 10, deleteFiles: 3, positionDeletes: 4 },
    };
    expect(agentEventSchema.safeParse(upsert).success).toBe(true);
    expect(refused({ ...upsert, deleteFiles: -1 })).toBe(true);
    expect(refused({ ...upsert, tableTotals: { records: 10, deleteFiles: 3 } })).toBe(true);
  });

  it('refuses oversize arrays', () => {
    expect(refused(report(10_001))).toBe(true);
    expect(
      refused({
        type: 'heartbeat',
        agentVersion: '1.0.0',
        runningPipelines: Array.from({ length: 10_001 }, (_, i) => `p${i}`),
      }),
    ).toBe(true);
    const figures = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`f${i}`, i]));
    expect(refused({ type: 'job.finished', jobId: 'j', result: figures })).toBe(true);
  });

  it('refuses oversize strings, wherever they are', () => {
    const long = 'x'.repeat(10_000);
    expect(refused({ type: 'job.started', jobId: long })).toBe(true);
    expect(refused({ type: 'error', errorClass: long, message: 'm' })).toBe(true);
    expect(refused({ type: 'heartbeat', agentVersion: long, runningPipelines: [] })).toBe(true);
    expect(refused({ type: 'job.finished', jobId: 'j', result: { [long]: 1 } })).toBe(true);
    expect(refused({ type: 'job.finished', jobId: 'j', result: { note: long } })).toBe(true);
    expect(refused({ ...report(1), table: long })).toBe(true);
    expect(refused({ ...report(0), partitions: [{ ...partition(0), topic: 'x'.repeat(250) }] })).toBe(true);
  });

  it('still bounds a batch to 1000 events', () => {
    const events = Array.from({ length: 1001 }, () => ({ type: 'job.started', jobId: 'j' }));
    expect(agentEventBatchSchema.safeParse({ protocolVersion: 1, sentAtMs: 1, events }).success).toBe(false);
  });
});
