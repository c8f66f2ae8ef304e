import { describe, expect, it } from 'vitest';
import { JsonNumber, JsonSyntaxError, type JsonValue, jsonTextOf, parseJsonText } from './json-text';

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
