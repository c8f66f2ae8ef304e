import { T } from '@floe/iceberg';
import { describe, expect, it } from 'vitest';
import { parseIso8601, toTimestampMicros } from './timestamps';

describe('timestamps the pipeline declares', () => {
  it('parses ISO-8601 with a zone to exact microseconds', () => {
    expect(parseIso8601('2026-11-25T09:30:00Z')).toBe(1_795_599_000_000_000n);
    expect(parseIso8601('2026-11-25T15:00:00.123456+05:30')).toBe(1_795_599_000_123_456n);
    expect(parseIso8601('1969-12-31T23:59:59.999999Z')).toBe(-1n);
    expect(parseIso8601('0050-01-01T00:00:00Z')).toBe(-60_589_296_000_000_000n);
    expect(parseIso8601('2026-11-25T09:30:00.123456000Z')).toBe(1_795_599_000_123_456n);
  });

  it('refuses what would lose or invent information: nanoseconds, no zone, impossible dates', () => {
    expect(parseIso8601('2026-11-25T09:30:00.1234567Z')).toBeNull();
    expect(parseIso8601('2026-11-25T09:30:00')).toBeNull();
    expect(parseIso8601('2026-02-30T00:00:00Z')).toBeNull();
    expect(parseIso8601('2026-11-25T24:00:00Z')).toBeNull();
  });

  it('reads the usual UTC form (read digit by digit) as the general form with +00:00', () => {
    const texts: string[] = [];
    for (let i = 0; i < 3000; i += 1) {
      const year = String([1000, 1600, 1900, 1969, 1970, 2000, 2024, 2100, 2255, 2256, 9999][i % 11]);
      const two = (v: number) => String(v).padStart(2, '0');
      const month = two(1 + ((i * 7) % 13));
      const day = two(1 + ((i * 11) % 31));
      const time = `${two((i * 5) % 25)}:${two((i * 13) % 61)}:${two((i * 17) % 61)}`;
      const fraction = ['', '.5', '.123', '.123456', '.1234560', '.123456000', '.1234567', '.'][i % 8];
      texts.push(`${year}-${month}-${day}T${time}${fraction}`);
    }
    texts.push('2026-11-25 09:30:00', '2026-11-25T09:30:0a', '+2026-11-25T09:30:00', '2026-11-25t09:30:00');
    for (const text of texts)
      expect([text, parseIso8601(`${text}Z`)]).toEqual([text, parseIso8601(`${text}+00:00`)]);
    expect(texts.filter((t) => parseIso8601(`${t}Z`) !== null).length).toBeGreaterThan(1000);
  });

  it('scales epochs exactly and rejects a fractional epoch with the field named', () => {
    expect(toTimestampMicros(1_764_063_000n, T.long, 'epoch-s', 'ts')).toBe(1_764_063_000_000_000n);
    expect(toTimestampMicros(1_764_063_000_123n, T.long, 'epoch-ms', 'ts')).toBe(1_764_063_000_123_000n);
    expect(() => toTimestampMicros(1.5, T.double, 'epoch-s', 'ts')).toThrow(
      'ts: 1.5 is not a whole number of s',
    );
    expect(() => toTimestampMicros('yesterday', T.string, 'iso8601', 'ts')).toThrow(
      /ts: "yesterday" is not an ISO-8601/,
    );
  });
});
