import type { Admin } from 'kafkajs';
import { decodeOffsets, encodeOffsets, type OffsetMap, tpKey } from '../commit/offsets';

/** Where a backfill starts reading: the oldest records Kafka keeps, a time, or offsets ("topic:partition"). */
export type RangeStart = 'earliest' | { timestampMs: number } | { offsets: Record<string, string> };
/** Where it stops: the log end when it starts, a time, or offsets (each exclusive). */
export type RangeEnd = 'now' | { timestampMs: number } | { offsets: Record<string, string> };

/** A backfill's range, per topic-partition: from `start` (inclusive) to `end` (exclusive). */
export interface OffsetRange {
  start: OffsetMap;
  end: OffsetMap;
}

/** Summary properties of a backfill branch's snapshots that hold its range and its dead letters. */
export const RANGE_START_KEY = 'floe.backfill.start';
export const RANGE_END_KEY = 'floe.backfill.end';
export const DEAD_LETTERS_KEY = 'floe.backfill.dead-letters';

/**
 * Resolves a range to offsets once, when the backfill starts (a restarted backfill reads them from its
 * branch: "now" stays the moment it first started). Kept within what Kafka has: a start below the
 * oldest record kept begins there, an end past the log end stops there.
 */
export async function resolveRange(
  admin: Admin,
  topics: readonly string[],
  start: RangeStart,
  end: RangeEnd,
): Promise<OffsetRange> {
  const range: OffsetRange = { start: new Map(), end: new Map() };
  for (const topic of topics) {
    const bounds = await admin.fetchTopicOffsets(topic);
    const at = async (bound: { timestampMs: number }) =>
      new Map(
        (await admin.fetchTopicOffsetsByTimestamp(topic, bound.timestampMs)).map((o) => [
          o.partition,
          BigInt(o.offset),
        ]),
      );
    const starts = typeof start === 'object' && 'timestampMs' in start ? await at(start) : undefined;
    const ends = typeof end === 'object' && 'timestampMs' in end ? await at(end) : undefined;
    for (const { partition, low, high } of bounds) {
      const key = tpKey(topic, partition);
      const [oldest, logEnd] = [BigInt(low), BigInt(high)];
      const explicit = (bound: RangeStart | RangeEnd) =>
        typeof bound === 'object' && 'offsets' in bound && bound.offsets[key] !== undefined
          ? BigInt(bound.offsets[key] as string)
          : undefined;
      // A time past every record of the partition gives -1: the range starts (or ends) at the log end.
      const byTime = (found: Map<number, bigint> | undefined) => {
        const offset = found?.get(partition);
        return offset === undefined ? undefined : offset < 0n ? logEnd : offset;
      };
      const from = explicit(start) ?? byTime(starts) ?? oldest;
      const to = explicit(end) ?? byTime(ends) ?? logEnd;
      // bigints: no Math.min. The end is at most the log end, the start between the oldest and the end.
      let [first, last] = [from, to];
      if (last > logEnd) last = logEnd;
      if (first < oldest) first = oldest;
      if (first > last) first = last;
      range.start.set(key, first);
      range.end.set(key, last);
    }
  }
  return range;
}

export function rangeSummary(range: OffsetRange): Record<string, string> {
  return { [RANGE_START_KEY]: encodeOffsets(range.start), [RANGE_END_KEY]: encodeOffsets(range.end) };
}

/** The range a backfill branch's snapshot carries; undefined for a snapshot of no backfill. */
export function rangeOf(summary: Record<string, string>): OffsetRange | undefined {
  const start = summary[RANGE_START_KEY];
  const end = summary[RANGE_END_KEY];
  if (start === undefined || end === undefined) return undefined;
  return { start: decodeOffsets(start), end: decodeOffsets(end) };
}

/** Records in the range: the sum over its partitions of end minus start. */
export function rangeSize(range: OffsetRange): bigint {
  let total = 0n;
  for (const [key, end] of range.end) total += end - (range.start.get(key) ?? end);
  return total;
}
