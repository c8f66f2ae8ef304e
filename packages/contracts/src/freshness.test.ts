import { describe, expect, it } from 'vitest';
import { freshnessSeconds, type PartitionProgress } from './freshness';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const minutesAgo = (m: number) => NOW - m * 60_000;
const caughtUp = (lastRecordMinutesAgo: number): PartitionProgress => ({
  committedOffset: 100n,
  logEndOffset: 100n,
  newestCommittedRecordMs: minutesAgo(lastRecordMinutesAgo),
});
const behind = (newestMinutesAgo: number | null): PartitionProgress => ({
  committedOffset: 50n,
  logEndOffset: 100n,
  newestCommittedRecordMs: newestMinutesAgo === null ? null : minutesAgo(newestMinutesAgo),
});

describe('freshness', () => {
  it('is the age of the observation when every partition is caught up', () => {
    expect(
      freshnessSeconds({ partitions: [caughtUp(1), caughtUp(2)], observedAtMs: minutesAgo(0.5) }, NOW),
    ).toBe(30);
  });

  it('does not count an idle partition (no new records for a day) as stale', () => {
    const partitions = [caughtUp(24 * 60), caughtUp(1)];
    expect(freshnessSeconds({ partitions, observedAtMs: NOW }, NOW)).toBe(0);
  });

  it('follows the most-behind partition: one stuck partition holds the table back', () => {
    const partitions = [caughtUp(0), behind(3), behind(10)];
    expect(freshnessSeconds({ partitions, observedAtMs: NOW }, NOW)).toBe(600);
  });

  it('is infinite when a partition is behind and nothing of it was ever committed', () => {
    expect(freshnessSeconds({ partitions: [behind(null)], observedAtMs: NOW }, NOW)).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('never goes negative when the agent clock runs ahead', () => {
    expect(freshnessSeconds({ partitions: [caughtUp(0)], observedAtMs: NOW + 5_000 }, NOW)).toBe(0);
  });
});
