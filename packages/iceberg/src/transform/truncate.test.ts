import { describe, expect, it } from 'vitest';
import { T } from '../spec/types';
import { truncateValue } from './truncate';

describe('truncate', () => {
  it('rounds integers and decimals down to a multiple of W, negatives toward negative infinity', () => {
    // The spec's own examples.
    expect(truncateValue(10, T.int, 1)).toBe(0);
    expect(truncateValue(10, T.int, -1)).toBe(-10);
    expect(truncateValue(10, T.long, 1n)).toBe(0n);
    expect(truncateValue(10, T.long, -1n)).toBe(-10n);
    expect(truncateValue(50, T.decimal(9, 2), 1065n)).toBe(1050n); // 10.65 → 10.50
    expect(truncateValue(10, T.long, 9223372036854775807n)).toBe(9223372036854775800n);
  });

  it('keeps the first W code points of a string, never splitting a surrogate pair', () => {
    expect(truncateValue(3, T.string, 'iceberg')).toBe('ice');
    expect(truncateValue(2, T.string, '😀😀😀')).toBe('😀😀');
    expect(truncateValue(5, T.string, 'ab')).toBe('ab');
  });

  it('keeps the first W bytes of binary', () => {
    expect(truncateValue(2, T.binary, new Uint8Array([1, 2, 3]))).toEqual(new Uint8Array([1, 2]));
  });
});
