import type { BackfillProgress } from '@floe/ingest';
import { describe, expect, it } from 'vitest';
import { backfillProgressMessage } from './backfill-progress';

const progress = (end: [string, bigint][], committed: [string, bigint][]): BackfillProgress => ({
  records: 1200,
  totalRecords: 3000,
  committed: new Map(committed),
  end: new Map(end),
  deadLetters: 2,
  backedOffSeconds: 0,
  etaSeconds: 9,
  snapshotId: 1n,
});

describe('backfill progress message', () => {
  it('says the records, dead letters, time to go and where the branch is in each partition', () => {
    expect(
      backfillProgressMessage(
        progress(
          [
            ['orders:0', 1000n],
            ['orders:1', 2000n],
          ],
          [['orders:0', 400n]],
        ),
      ),
    ).toBe('1200 of 3000 records, 2 dead letters, about 9 s to go; offsets 0 at 400 of 1000, 1 at — of 2000');
  });

  it('names the topic when there are several, and stays within the protocol limit', () => {
    const end = Array.from({ length: 60 }, (_, i): [string, bigint] => [`t${i % 2}:${i}`, 100_000n]);
    const message = backfillProgressMessage({ ...progress(end, end), etaSeconds: null });
    expect(message.length).toBeLessThanOrEqual(500);
    expect(message).toMatch(
      /^1200 of 3000 records, 2 dead letters; offsets t0:0 at 100000 of 100000, t1:1 at/,
    );
    const listed = message.split(', ').filter((s) => s.includes(' at ')).length;
    expect(message.endsWith(`, +${60 - listed} more`)).toBe(true);
  });
});
