import type { DataFile } from '@floe/iceberg';
import { describe, expect, it } from 'vitest';
import { decodeDataWritten, encodeDataWritten, type Handover } from './handover';
import { acceptHandovers, checkCommitter, type Received, SupersededError } from './pooled-committer';
import { chainRanges } from './table-commit';

const range = (key: string, from: bigint | null, to: bigint) => {
  const [topic, partition] = key.split(':') as [string, string];
  return {
    key,
    topic,
    partition: Number(partition),
    from,
    to,
    records: Number(to - (from ?? 0n)),
    newestRecordMs: null,
  };
};
const dataFile: DataFile = {
  content: 0,
  filePath: 's3://lake/events/data/a.parquet',
  fileFormat: 'PARQUET',
  partition: [],
  recordCount: 5n,
  fileSizeInBytes: 1234n,
};
const received = (offset: bigint, member: string, ...ranges: ReturnType<typeof range>[]): Received => ({
  offset,
  member,
  handover: { table: 'events', specId: 0, files: [], ranges },
});

describe('the per-partition fence every commit passes', () => {
  it('applies ranges that start where the table is, and names the ones that do not', () => {
    const table = new Map([['t:0', 10n]]);
    expect(
      chainRanges(table, [
        { key: 't:0', from: 10n, to: 20n },
        { key: 't:1', from: undefined, to: 5n },
      ]),
    ).toEqual(
      new Map([
        ['t:0', 20n],
        ['t:1', 5n],
      ]),
    );
    expect(
      chainRanges(table, [
        { key: 't:0', from: 5n, to: 20n },
        { key: 't:1', from: 0n, to: 5n },
      ]),
    ).toEqual({
      moved: ['t:0', 't:1'],
    });
  });
});

describe('which hand-overs one pooled commit takes', () => {
  const location = 's3://warehouse/ns/events';
  const table = { location, properties: { 'write.data.path': 's3://data-lake/events' } };
  it('takes every member hand-over that chains, in control-topic order, one after the other', () => {
    const plan = acceptHandovers(
      new Map([['t:0', 100n]]),
      [
        received(1n, 'a', range('t:0', 100n, 150n), range('t:1', null, 40n)),
        received(2n, 'b', range('t:2', null, 30n)),
        received(3n, 'a', range('t:0', 150n, 170n)),
      ],
      table,
    );
    expect(plan.accepted.map((r) => r.offset)).toEqual([1n, 2n, 3n]);
    expect(plan.refused).toEqual([]);
    expect(plan.offsets).toEqual(
      new Map([
        ['t:0', 170n],
        ['t:1', 40n],
        ['t:2', 30n],
      ]),
    );
  });

  it('refuses a stale member (a partition moved): whole, since its files mix partitions; the first writer wins', () => {
    // a read t:0 from 100, then t:0 moved to b, which read it again from the table's 100.
    const plan = acceptHandovers(
      new Map([['t:0', 100n]]),
      [
        received(1n, 'a', range('t:0', 100n, 150n), range('t:1', 7n, 9n)),
        received(2n, 'b', range('t:0', 100n, 160n)),
        received(3n, 'b', range('t:0', 160n, 180n)),
        received(4n, 'a', range('t:1', 7n, 12n)),
      ],
      table,
    );
    // a's first is refused whole (t:1 did not start at the table's, which holds none of it); b's chain on.
    expect(plan.accepted.map((r) => r.offset)).toEqual([2n, 3n]);
    expect(plan.refused.map((r) => r.offset)).toEqual([1n, 4n]);
    expect(plan.offsets.get('t:0')).toBe(180n);
    expect(plan.offsets.has('t:1')).toBe(false);
  });

  it('takes nothing twice: hand-overs committed already no longer chain (a commit retried after a crash)', () => {
    const batch = [received(1n, 'a', range('t:0', 0n, 10n))];
    const first = acceptHandovers(new Map(), batch, table);
    expect(acceptHandovers(first.offsets, batch, table).accepted).toEqual([]);
  });

  it("refuses a hand-over naming a file outside the table's folders (location, write paths), or a delete file", () => {
    const withFile = (offset: bigint, filePath: string, content: 0 | 1 = 0): Received => {
      const r = received(offset, 'a', range(`t:${offset}`, null, 5n));
      const file = { ...dataFile, filePath, content };
      return { ...r, handover: { ...r.handover, files: [file] } };
    };
    const plan = acceptHandovers(
      new Map(),
      [
        withFile(1n, `${location}/data/a.parquet`),
        withFile(2n, 's3://warehouse/other/events/data/b.parquet'),
        withFile(3n, `${location}-copy/data/c.parquet`),
        withFile(4n, `${location}/data/d.parquet`, 1),
        withFile(5n, 's3://data-lake/events/x=1/e.parquet'),
      ],
      table,
    );
    expect(plan.accepted.map((r) => r.offset)).toEqual([1n, 5n]);
    expect(plan.refused.map((r) => r.offset)).toEqual([2n, 3n, 4n]);
  });
});

describe('fencing a committer that lost its role', () => {
  const me = { generation: 3, member: 'host/1/aa' };
  it('commits over older generations and its own', () => {
    expect(() => checkCommitter(undefined, me)).not.toThrow();
    expect(() => checkCommitter({ generation: 2, member: 'x', controlOffset: 0n }, me)).not.toThrow();
    expect(() => checkCommitter({ ...me, controlOffset: 5n }, me)).not.toThrow();
  });
  it('steps down after a newer generation, or another member of its own generation, committed', () => {
    expect(() => checkCommitter({ generation: 4, member: 'host/2/bb', controlOffset: 9n }, me)).toThrow(
      SupersededError,
    );
    expect(() => checkCommitter({ generation: 3, member: 'host/2/bb', controlOffset: 9n }, me)).toThrow(
      /host\/2\/bb committed as generation 3; host\/1\/aa \(generation 3\) steps down/,
    );
  });
});

describe('data-written messages', () => {
  it('carry data files whole: 64-bit counts, byte bounds, metric maps, partition values', () => {
    const handover: Handover = {
      table: 'events',
      specId: 1,
      files: [
        {
          content: 0,
          filePath: 's3://lake/events/data/a.parquet',
          fileFormat: 'PARQUET',
          partition: [19_000, 'eu', null, 12n, Uint8Array.from([1, 2])],
          recordCount: 9_007_199_254_740_993n,
          fileSizeInBytes: 1234n,
          columnSizes: new Map([[1, 100n]]),
          lowerBounds: new Map([[1, Uint8Array.from([0, 255])]]),
          upperBounds: new Map([[1, Uint8Array.from([7])]]),
          splitOffsets: [4n],
        },
      ],
      ranges: [range('orders.v1:3', null, 17n)],
    };
    const message = { type: 'data-written' as const, member: 'h/1/x', handovers: [handover] };
    expect(decodeDataWritten(encodeDataWritten(message))).toEqual(message);
    expect(() => decodeDataWritten(Buffer.from('{"type":"other"}'))).toThrow(/not a data-written message/);
  });
});
