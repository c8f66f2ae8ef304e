import { describe, expect, it } from 'vitest';
import { T } from '../spec/types';
import { parseDecimal, uuidToBytes } from '../spec/values';
import { bucketHash, bucketOf, minBigEndian } from './bucket';
import { epochDays, epochMicros, epochNanos } from './test-values';

const bytes0123 = new Uint8Array([0, 1, 2, 3]);

describe('bucket hash: every test vector of spec Appendix B', () => {
  it.each([
    ['int 34', T.int, 34, 2017239379],
    ['long 34L', T.long, 34n, 2017239379],
    ['decimal 14.20', T.decimal(9, 2), parseDecimal('14.20', 2), -500754589],
    ['date 2017-11-16', T.date, epochDays('2017-11-16'), -653330422],
    ['time 22:31:08', T.time, (22n * 3600n + 31n * 60n + 8n) * 1_000_000n, -662762989],
    ['timestamp 2017-11-16T22:31:08', T.timestamp, epochMicros('2017-11-16T22:31:08'), -2047944441],
    [
      'timestamp 2017-11-16T22:31:08.000001',
      T.timestamp,
      epochMicros('2017-11-16T22:31:08.000001'),
      -1207196810,
    ],
    [
      'timestamptz 2017-11-16T14:31:08-08:00',
      T.timestamptz,
      epochMicros('2017-11-16T14:31:08-08:00'),
      -2047944441,
    ],
    [
      'timestamptz 2017-11-16T14:31:08.000001-08:00',
      T.timestamptz,
      epochMicros('2017-11-16T14:31:08.000001-08:00'),
      -1207196810,
    ],
    ['timestamp_ns 2017-11-16T22:31:08', T.timestampNs, epochNanos('2017-11-16T22:31:08'), -2047944441],
    [
      'timestamp_ns 2017-11-16T22:31:08.000001001',
      T.timestampNs,
      epochNanos('2017-11-16T22:31:08.000001001'),
      -1207196810,
    ],
    [
      'timestamptz_ns 2017-11-16T14:31:08-08:00',
      T.timestamptzNs,
      epochNanos('2017-11-16T14:31:08-08:00'),
      -2047944441,
    ],
    [
      'timestamptz_ns 2017-11-16T14:31:08.000001001-08:00',
      T.timestamptzNs,
      epochNanos('2017-11-16T14:31:08.000001001-08:00'),
      -1207196810,
    ],
    ['string iceberg', T.string, 'iceberg', 1210000089],
    [
      'uuid f79c3e09-677c-4bbd-a479-3f349cb785e7',
      T.uuid,
      uuidToBytes('f79c3e09-677c-4bbd-a479-3f349cb785e7'),
      1488055340,
    ],
    ['fixed 00 01 02 03', T.fixed(4), bytes0123, -188683207],
    ['binary 00 01 02 03', T.binary, bytes0123, -188683207],
  ] as const)('%s', (_, type, value, expected) => {
    expect(bucketHash(type, value)).toBe(expected);
  });

  it('spells the UUID test value as the spec does (big-endian bytes)', () => {
    expect(
      Buffer.from(uuidToBytes('f79c3e09-677c-4bbd-a479-3f349cb785e7')).toString('hex').toUpperCase(),
    ).toBe('F79C3E09677C4BBDA4793F349CB785E7');
  });
});

describe('bucket', () => {
  it('agrees with pyiceberg on bucket[100] of the spec values', () => {
    expect(bucketOf(100, T.int, 34)).toBe(79);
    expect(bucketOf(100, T.long, 34n)).toBe(79);
    expect(bucketOf(100, T.date, 17486)).toBe(26);
    expect(bucketOf(100, T.time, 81068000000n)).toBe(59);
    expect(bucketOf(100, T.timestamp, 1510871468000000n)).toBe(7);
    expect(bucketOf(100, T.decimal(9, 2), 1420n)).toBe(59);
  });

  it('hashes int and long alike for every value, negatives and 64-bit extremes too', () => {
    for (const v of [0, -1, 1, 2147483647, -2147483648])
      expect(bucketHash(T.int, v)).toBe(bucketHash(T.long, BigInt(v)));
    expect(bucketOf(16, T.long, -9223372036854775808n)).toBeGreaterThanOrEqual(0);
  });

  it('floors nanoseconds to microseconds before hashing, before the epoch too', () => {
    expect(bucketHash(T.timestampNs, -1n)).toBe(bucketHash(T.timestamp, -1n));
    expect(bucketHash(T.timestampNs, -1001n)).toBe(bucketHash(T.timestamp, -2n));
  });

  it('writes decimals in the fewest two-complement bytes', () => {
    const hex = (v: bigint) => Buffer.from(minBigEndian(v)).toString('hex');
    expect([0n, 1n, 127n, 128n, -1n, -128n, -129n, 1420n].map(hex)).toEqual([
      '00',
      '01',
      '7f',
      '0080',
      'ff',
      '80',
      'ff7f',
      '058c',
    ]);
  });
});
