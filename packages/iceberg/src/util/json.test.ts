import { describe, expect, it } from 'vitest';
import {
  JsonNumber,
  JsonSyntaxError,
  type JsonValue,
  jsonTextOf,
  parseJson,
  parseJsonText,
  stringifyJson,
} from './json';

const number = (value: JsonValue) => value as JsonNumber;

describe('the lossless JSON parser', () => {
  it('keeps each number as its source text', () => {
    const parsed = parseJsonText('[9223372036854775807, -9223372036854775808, 1.50, 1e400, -0, 0.1]');
    expect((parsed as JsonNumber[]).map((n) => n.text)).toEqual([
      '9223372036854775807',
      '-9223372036854775808',
      '1.50',
      '1e400',
      '-0',
      '0.1',
    ]);
    expect((parsed as JsonNumber[]).every((n) => n instanceof JsonNumber)).toBe(true);
  });

  it('gives a number its exact integer value, or none when it has a fraction', () => {
    const integer = (text: string) => number(parseJsonText(text)).integerValue();
    expect(integer('9223372036854775807')).toBe(2n ** 63n - 1n);
    expect(integer('-9223372036854775808')).toBe(-(2n ** 63n));
    expect(integer('12.0')).toBe(12n);
    expect(integer('1.5e1')).toBe(15n);
    expect(integer('150e-1')).toBe(15n);
    expect(integer('0.0e-7')).toBe(0n);
    expect(integer('1.5')).toBeUndefined();
    expect(integer('15e-1')).toBeUndefined();
    expect(integer('0.05')).toBeUndefined();
    // Not expanded into a billion digits.
    expect(integer('1e999999999')).toBeUndefined();
    expect(number(parseJsonText('1.5e1')).hasFraction).toBe(false);
    expect(number(parseJsonText('15e-1')).hasFraction).toBe(true);
    expect(number(parseJsonText('1e999999999')).hasFraction).toBe(false);
    expect(number(parseJsonText('12')).isIntegerLiteral).toBe(true);
    expect(number(parseJsonText('12.0')).isIntegerLiteral).toBe(false);
    expect(number(parseJsonText('1E2')).isIntegerLiteral).toBe(false);
  });

  it('keeps members in their order, numeric names included', () => {
    const parsed = parseJsonText('{"b": 1, "1": 2, "a": {"z": null, "0": true}}') as Map<string, JsonValue>;
    expect([...parsed.keys()]).toEqual(['b', '1', 'a']);
    expect([...(parsed.get('a') as Map<string, JsonValue>).entries()]).toEqual([
      ['z', null],
      ['0', true],
    ]);
  });

  it('reads unicode, raw and escaped, surrogate pairs included', () => {
    expect(parseJsonText('"naïve 東京 🧊"')).toBe('naïve 東京 🧊');
    expect(parseJsonText('"\\u00e9\\ud83e\\uddca\\n\\t\\"\\\\\\/"')).toBe('é🧊\n\t"\\/');
    expect(jsonTextOf(Buffer.from('"🧊"', 'utf8'))).toBe('"🧊"');
  });

  it('refuses what UTF-8 or JSON cannot hold', () => {
    const refuses = (text: string, what: RegExp) =>
      expect(() => parseJsonText(text)).toThrow(
        expect.objectContaining({ name: 'JsonSyntaxError', message: expect.stringMatching(what) }),
      );
    refuses('"\\ud800"', /lone surrogate/);
    refuses('"\\udc00\\ud800"', /lone surrogate/);
    refuses('{"a": 1, "a": 2}', /"a" appears twice/);
    refuses('"tab\there"', /control character/);
    refuses('"\\x41"', /invalid escape/);
    refuses('[1, 2', /expected "," or "]"/);
    refuses('{"a": 1} x', /trailing/);
    refuses('01', /trailing/);
    refuses('+1', /expected a value/);
    refuses('.5', /expected a value/);
    refuses('NaN', /expected a value/);
    refuses('', /expected a value/);
    refuses(`${'['.repeat(300)}${']'.repeat(300)}`, /deeper than 256/);
    expect(() => jsonTextOf(Buffer.from([0x22, 0xc3, 0x28, 0x22]))).toThrow(JsonSyntaxError);
  });
});

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

describe('the lenient reading, for documents other programs wrote', () => {
  it('takes a repeated member name (the last wins, in the first place) and a lone surrogate, as JSON.parse does', () => {
    const text = '{"a": 1, "b": 2, "a": 3, "s": "\\ud800x"}';
    expect(parseJson(text)).toEqual(JSON.parse(text));
    expect(Object.keys(parseJson(text) as object)).toEqual(['a', 'b', 's']);
    const lenient = parseJsonText(text, { lenient: true }) as Map<string, JsonValue>;
    expect([...lenient.keys()]).toEqual(['a', 'b', 's']);
    expect(number(lenient.get('a') as JsonValue).text).toBe('3');
    expect(lenient.get('s')).toBe('\ud800x');
  });

  it('gives metadata the values JSON.parse gives, with exact longs under the named keys', () => {
    const keys = new Set(['snapshot-id']);
    const text =
      '{"snapshot-id": -9223372036854775808, "x": -0, "y": 1.50, "z": 1e400, "u": "\\u00e9\\ud83e\\uddca",' +
      ' "deep": [[{"snapshot-id": -0}]]}';
    const parsed = parseJson(text, keys) as Record<string, unknown>;
    expect(parsed['snapshot-id']).toBe(-(2n ** 63n));
    expect(Object.is(parsed.x, -0)).toBe(true);
    expect(parsed).toEqual({
      ...JSON.parse(text),
      'snapshot-id': -(2n ** 63n),
      deep: [[{ 'snapshot-id': 0n }]],
    });
  });

  it('still refuses what JSON refuses', () => {
    for (const text of ['"tab\there"', '"\\x41"', '{"a": 1,}', '01', 'NaN', '[1, 2'])
      expect(() => parseJson(text)).toThrow(SyntaxError);
  });
});
