import { describe, expect, it } from 'vitest';
import { RecordRejectedError } from './decoded';
import { SchemalessJsonDecoder } from './schemaless-json';

const decoder = new SchemalessJsonDecoder();
const decode = (text: string) => decoder.decode(Buffer.from(text, 'utf8'));
const reason = (text: string) =>
  decode(text).then(
    () => 'decoded',
    (error: unknown) => (error instanceof RecordRejectedError ? error.reason : String(error)),
  );

describe('schemaless JSON', () => {
  it('keeps 64-bit integers exact and types members by their values', async () => {
    const { type, row } = await decode(
      '{"id":9223372036854775807,"min":-9223372036854775808,"x":1.25,"ok":true,"s":"héllo 🌍","n":null}',
    );
    expect(row).toEqual({
      id: 9223372036854775807n,
      min: -9223372036854775808n,
      x: 1.25,
      ok: true,
      s: 'héllo 🌍',
      n: null,
    });
    expect(type.fields.map((f) => [f.name, f.type.type])).toEqual([
      ['id', 'long'],
      ['min', 'long'],
      ['x', 'double'],
      ['ok', 'boolean'],
      ['s', 'string'],
    ]);
  });

  it('gives integers beyond 64 bits a decimal(38,0), and rejects what no column can hold', async () => {
    const { type, row } = await decode('{"big":18446744073709551616}');
    expect(type.fields[0]?.type).toEqual({ type: 'decimal', precision: 38, scale: 0 });
    expect(row.big).toBe(18446744073709551616n);
    expect(await reason('{"x":1e400}')).toBe('type-mismatch');
  });

  it('types nested arrays of structs, joining their members', async () => {
    const { type, row } = await decode(
      '{"items":[{"sku":"a"},{"sku":"b","qty":2}],"tags":["x","y"],"nums":[1,2.5]}',
    );
    expect(JSON.stringify(type.fields.map((f) => f.type.type))).toBe('["list","list","list"]');
    expect(row).toEqual({ items: [{ sku: 'a' }, { sku: 'b', qty: 2n }], tags: ['x', 'y'], nums: [1, 2.5] });
  });

  it('rejects bad JSON, a top-level non-object, duplicate keys and mixed lists with reasons', async () => {
    expect(await reason('{"a":')).toBe('invalid-json');
    expect(await reason('[1,2]')).toBe('invalid-json');
    expect(await reason('{"a":1,"a":2}')).toBe('invalid-json');
    expect(await reason('{"a":[1,"x"]}')).toBe('type-mismatch');
    expect(
      await decoder.decode(Buffer.from([0x7b, 0xff, 0x7d])).catch((e: RecordRejectedError) => e.reason),
    ).toBe('invalid-json');
  });
});
