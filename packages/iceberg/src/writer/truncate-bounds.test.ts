import { describe, expect, it } from 'vitest';
import {
  truncateBinaryLower,
  truncateBinaryUpper,
  truncateStringLower,
  truncateStringUpper,
} from './truncate-bounds';

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

describe('bound truncation', () => {
  it('truncates strings by code points, not bytes, and increments the last kept one for the upper bound', () => {
    expect(text(truncateStringLower(utf8('abcdefghijklmnopqrstuvwxyz'), 16))).toBe('abcdefghijklmnop');
    expect(text(truncateStringUpper(utf8('abcdefghijklmnopqrstuvwxyz'), 16))).toBe('abcdefghijklmnoq');
    // 16 characters of 3 and 4 UTF-8 bytes each: cut after the 16th character, not the 16th byte.
    const wide = 'ééééééééé😀😀😀😀😀😀😀😀';
    expect(text(truncateStringLower(utf8(wide), 16))).toBe('ééééééééé😀😀😀😀😀😀😀');
    expect(text(truncateStringUpper(utf8(wide), 16))).toBe('ééééééééé😀😀😀😀😀😀😁');
    // Short values are kept whole and not incremented.
    expect(text(truncateStringUpper(utf8('short'), 16))).toBe('short');
  });

  it('skips surrogates and gives up only when every kept code point is U+10FFFF', () => {
    expect(text(truncateStringUpper(utf8('a\u{d7ff}bc'), 2))).toBe('a\u{e000}');
    expect(text(truncateStringUpper(utf8('a\u{10ffff}b'), 2))).toBe('b');
    expect(truncateStringUpper(utf8('\u{10ffff}\u{10ffff}x'), 2)).toBeUndefined();
  });

  it('truncates binary to 16 bytes; the upper bound carries past 0xFF and is absent for all-0xFF', () => {
    const long = Uint8Array.from({ length: 20 }, (_, i) => i);
    expect(truncateBinaryLower(long, 16)).toEqual(long.subarray(0, 16));
    const upper = truncateBinaryUpper(long, 16);
    expect(upper).toEqual(Uint8Array.from([...long.subarray(0, 15), 16]));
    expect(truncateBinaryUpper(Uint8Array.from([1, 0xff, 0xff, 7]), 3)).toEqual(Uint8Array.of(2));
    expect(truncateBinaryUpper(new Uint8Array(17).fill(0xff), 16)).toBeUndefined();
  });
});
