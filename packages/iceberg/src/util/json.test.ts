import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from './json';

describe('64-bit JSON', () => {
  const keys = new Set(['snapshot-id', 'snapshot-ids']);

  it('reads integers under the named keys as exact bigints and everything else as JSON.parse does', () => {
    const text =
      '{"snapshot-id": 9223372036854775807, "other": 9007199254740993, "snapshot-ids": [1, -9223372036854775808],' +
      ' "s": "snap\\"shot-id\\": 5", "nested": {"snapshot-id": 3, "x": [true, null, 1.5e3]}}';
    const parsed = parseJson(text, keys);
    expect(parsed).toEqual({
      'snapshot-id': 9223372036854775807n,
      other: 9007199254740992,
      'snapshot-ids': [1n, -9223372036854775808n],
      s: 'snap"shot-id": 5',
      nested: { 'snapshot-id': 3n, x: [true, null, 1500] },
    });
  });

  it('writes bigints back digit for digit', () => {
    const text = '{"snapshot-id":6066838374395468405,"ids":[-1,2],"s":"\\u0001é","n":null,"b":false}';
    expect(stringifyJson(parseJson(text, keys))).toBe(text);
    expect(stringifyJson({ a: 1n << 62n, skip: undefined })).toBe('{"a":4611686018427387904}');
  });

  it('points at the offset of a syntax error', () => {
    expect(() => parseJson('{"a": 1,}', keys)).toThrow(/offset 8/);
    expect(() => parseJson('[1] x', keys)).toThrow(/trailing/);
  });
});
