// The benchmarks' event table: a 10-column schema and deterministic rows for it.
import { newSchema, optional, type Row, required, T } from '../src/index';

export const eventSchema = newSchema([
  required('event_id', T.long),
  required('event_ts', T.timestamptz),
  optional('user_id', T.long),
  optional('session_id', T.string),
  optional('event_type', T.string),
  optional('page', T.string),
  optional('country', T.string),
  optional('device', T.string),
  optional('amount', T.double),
  optional('is_test', T.boolean),
]);

export const START_MICROS = 1_735_689_600_000_000n; // 2025-01-01

const EVENT_TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'scroll'];
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'JP', 'BR', 'IN', 'NL'];
const DEVICES = ['ios', 'android', 'web', 'desktop'];

/**
 * `count` pseudo-random rows (a small LCG seeded with `seed`, so every run writes the same data) with
 * ids from `firstId`; `timestamp(i, r)` places row i, given its random number r, in time.
 */
export function eventRows(
  seed: number,
  count: number,
  firstId: number,
  timestamp: (i: number, r: number) => bigint,
): Row[] {
  let state = seed * 2654435761;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state;
  };
  return Array.from({ length: count }, (_, i) => {
    const r = next();
    return {
      event_id: BigInt(firstId + i),
      event_ts: timestamp(i, r),
      user_id: BigInt(r % 50_000),
      session_id: `s-${(r % 200_000).toString(16)}`,
      event_type: EVENT_TYPES[r % EVENT_TYPES.length],
      page: `/products/${r % 5000}?ref=${r % 7}`,
      country: COUNTRIES[(r >> 3) % COUNTRIES.length],
      device: DEVICES[(r >> 5) % DEVICES.length],
      amount: r % 10 === 0 ? null : (r % 100_000) / 100,
      is_test: r % 97 === 0,
    };
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
