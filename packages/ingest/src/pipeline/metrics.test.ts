import { describe, expect, it } from 'vitest';
import { PipelineMetrics } from './metrics';

const NOW = Date.UTC(2026, 11, 5, 9, 0, 0);

describe('PipelineMetrics.partitionLags', () => {
  it('counts the records between the table and the log end, per partition', () => {
    const m = new PipelineMetrics();
    m.logEndOffsets.set('orders:0', 120n);
    m.committedOffsets.set('orders:0', 100n);
    m.logEndOffsets.set('orders:1', 7n);
    expect(m.partitionLags(NOW).map(({ topic, partition, records }) => [topic, partition, records])).toEqual([
      ['orders', 0, 20n],
      // Never committed: the whole log from offset 0 waits.
      ['orders', 1, 7n],
    ]);
    expect(m.lagRecords()).toBe(27n);
  });

  it('is 0 seconds behind when no record waits, however old the newest committed record is', () => {
    const m = new PipelineMetrics();
    m.logEndOffsets.set('orders:0', 50n);
    m.committedOffsets.set('orders:0', 50n);
    m.newestRecordMs.set('orders:0', BigInt(NOW - 3_600_000));
    expect(m.partitionLags(NOW)).toEqual([{ topic: 'orders', partition: 0, records: 0n, seconds: 0 }]);
  });

  it('is now minus the newest committed record when records wait', () => {
    const m = new PipelineMetrics();
    m.logEndOffsets.set('a.b:c:3', 60n);
    m.committedOffsets.set('a.b:c:3', 50n);
    m.newestRecordMs.set('a.b:c:3', BigInt(NOW - 42_500));
    expect(m.partitionLags(NOW)).toEqual([{ topic: 'a.b:c', partition: 3, records: 10n, seconds: 42.5 }]);
  });

  it('does not know the seconds while records wait and nothing was committed yet', () => {
    const m = new PipelineMetrics();
    m.logEndOffsets.set('orders:0', 5n);
    expect(m.partitionLags(NOW)[0]?.seconds).toBeNull();
  });

  it('never reports negative seconds for a record stamped ahead of this clock', () => {
    const m = new PipelineMetrics();
    m.logEndOffsets.set('orders:0', 2n);
    m.committedOffsets.set('orders:0', 1n);
    m.newestRecordMs.set('orders:0', BigInt(NOW + 5_000));
    expect(m.partitionLags(NOW)[0]?.seconds).toBe(0);
  });

  it('reports a table ahead of the log end seen (a stale high watermark) as level', () => {
    const m = new PipelineMetrics();
    m.logEndOffsets.set('orders:0', 10n);
    m.committedOffsets.set('orders:0', 12n);
    expect(m.partitionLags(NOW)[0]?.records).toBe(0n);
  });

  it('counts from where the tables resume before this run commits, and a commit of this run wins', () => {
    const m = new PipelineMetrics();
    m.committedOffsets.set('orders:1', 40n);
    m.resumeFrom(
      new Map([
        ['orders:0', 1_000n],
        ['orders:1', 30n],
      ]),
    );
    m.logEndOffsets.set('orders:0', 1_006n);
    m.logEndOffsets.set('orders:1', 40n);
    expect(m.partitionLags(NOW).map((lag) => lag.records)).toEqual([6n, 0n]);
  });
  it('drops partitions handed to another member, so their lag is counted once over the group', () => {
    const m = new PipelineMetrics();
    m.logEndOffsets.set('orders:0', 10n);
    m.logEndOffsets.set('orders:1', 20n);
    m.keepOnly(new Set(['orders:1']));
    expect(m.partitionLags(NOW).map((lag) => lag.partition)).toEqual([1]);
    expect(m.lagRecords()).toBe(20n);
  });
});
