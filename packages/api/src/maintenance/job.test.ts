import { jobSchema, pipelineSpecSchema } from '@floe/protocol';
import { describe, expect, it } from 'vitest';
import { maintenanceJob } from './job';
import { DEFAULT_POLICY } from './policy';

const spec = pipelineSpecSchema.parse({
  id: 'pl-1',
  name: 'orders',
  version: 3,
  source: { bootstrapServers: ['b:9092'], topics: ['orders.v1'] },
  format: { value: 'json' },
  table: {
    catalog: { type: 'rest', uri: 'http://catalog:8181', warehouse: 's3://lake/' },
    namespace: ['sales'],
    name: 'orders',
    partitionBy: [{ source: 'created_at', transform: 'day' }],
    storage: { bucket: 'lake', region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/floe' },
  },
});
const table = {
  catalog: { type: 'rest', uri: 'http://catalog:8181', warehouse: 's3://lake/' },
  namespace: ['sales'],
  name: 'orders',
  storage: {
    bucket: 'lake',
    prefix: '',
    region: 'eu-west-1',
    roleArn: 'arn:aws:iam::123456789012:role/floe',
  },
};
const now = new Date('2026-11-25T12:00:00Z');

describe('maintenance jobs for the table of the current spec', () => {
  it('compacts to the target file size, rewriting the files whose deleted rows reach the delete ratio', () => {
    const policy = { ...DEFAULT_POLICY, targetFileSizeMiB: 256, deleteRatioPercent: 35 };
    const job = maintenanceJob('table.compact', spec, policy, now);
    expect(job).toEqual({
      kind: 'table.compact',
      table,
      targetFileSizeBytes: 256 * 1024 * 1024,
      deleteRatio: 0.35,
    });
    expect(jobSchema.parse(job)).toEqual(job);
  });

  it('expires snapshots older than the maximum age, keeping the last N', () => {
    const job = maintenanceJob('table.expire-snapshots', spec, DEFAULT_POLICY, now);
    expect(job).toEqual({
      kind: 'table.expire-snapshots',
      table,
      olderThanMs: Date.parse('2026-11-18T12:00:00Z'),
      retainLast: 10,
    });
    expect(jobSchema.parse(job)).toEqual(job);
  });

  it('removes orphans older than the safety window (a duration)', () => {
    const job = maintenanceJob('table.remove-orphans', spec, DEFAULT_POLICY, now);
    expect(job).toEqual({ kind: 'table.remove-orphans', table, olderThanMs: 3 * 86_400_000 });
    expect(jobSchema.parse(job)).toEqual(job);
  });
});
