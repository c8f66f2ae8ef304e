import { optional, T } from '@floe/iceberg';
import { describe, expect, it } from 'vitest';
import { RecordRejectedError, type TypedValue, withSequentialIds } from './decoded';
import { SchemalessJsonDecoder } from './schemaless-json';

const decoder = new SchemalessJsonDecoder();
const decode = (text: string | Buffer) =>
  decoder.decode(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);

async function rejection(text: string | Buffer): Promise<RecordRejectedError> {
  const error = await decode(text).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RecordRejectedError))
    throw new Error(`expected a RecordRejectedError, got ${error}`);
  return error;
}

const struct = (...fields: Parameters<typeof T.struct>[0]) => withSequentialIds(T.struct(fields));

describe('schemaless JSON', () => {
  it('types each member by its form, in member order, and keeps the values exact', async () => {
    const decoded = await decode(
      '{"id": 9223372036854775807, "min": -9223372036854775808, "big": 9223372036854775808, ' +
        '"price": 12.50, "tiny": 1e-3, "name": "Zoë 🧊", "ok": true, "note": null}',
    );
    expect(decoded.type).toEqual(
      struct(
        optional('id', T.long),
        optional('min', T.long),
        optional('big', T.decimal(38, 0)),
        optional('price', T.double),
        optional('tiny', T.double),
        optional('name', T.string),
        optional('ok', T.boolean),
      ),
    );
    expect(decoded.row).toEqual({
      id: 2n ** 63n - 1n,
      min: -(2n ** 63n),
      big: 2n ** 63n,
      price: 12.5,
      tiny: 0.001,
      name: 'Zoë 🧊',
      ok: true,
      note: null,
    });
    expect(Object.keys(decoded.row)).toEqual(['id', 'min', 'big', 'price', 'tiny', 'name', 'ok', 'note']);
  });

  it('leaves timestamps as the strings they are', async () => {
    const decoded = await decode('{"at": "2026-11-25T09:30:00.123456Z"}');
    expect(decoded.type).toEqual(struct(optional('at', T.string)));
    expect(decoded.row).toEqual({ at: '2026-11-25T09:30:00.123456Z' });
  });

  it('types nested arrays of structs by what all their elements have', async () => {
    const decoded: TypedValue = await decode(
      '{"lines": [{"sku": "a", "qty": 1}, {"sku": "b", "price": 2.5, "tags": []}, null, {"qty": 2, "tags": [["x"], []]}]}',
    );
    const line = T.struct([
      optional('sku', T.string),
      optional('qty', T.long),
      optional('price', T.double),
      optional('tags', T.list(T.list(T.string))),
    ]);
    expect(decoded.type).toEqual(struct(optional('lines', T.list(line))));
    expect(decoded.row).toEqual({
      lines: [
        { sku: 'a', qty: 1n },
        { sku: 'b', price: 2.5, tags: [] },
        null,
        { qty: 2n, tags: [['x'], []] },
      ],
    });
  });

  it('joins integers and fractions in a list as doubles only when each integer is one exactly', async () => {
    const joined = await decode('{"xs": [1, 2.5, -9007199254740992]}');
    expect(joined.type).toEqual(struct(optional('xs', T.list(T.double))));
    expect(joined.row).toEqual({ xs: [1, 2.5, -9007199254740992] });
    const wide = await decode('{"xs": [1, 100000000000000000000]}');
    expect(wide.type).toEqual(struct(optional('xs', T.list(T.decimal(38, 0)))));
    expect(wide.row).toEqual({ xs: [1n, 10n ** 20n] });

    const inexact = await rejection('{"xs": [0.5, 9007199254740993]}');
    expect(inexact.reason).toBe('type-mismatch');
    expect(inexact.message).toContain('xs[]: 9007199254740993 is not a valid double');
  });

  it('rejects a list that mixes kinds, naming the field', async () => {
    const mixed = await rejection('{"a": {"xs": [1, "two"]}}');
    expect(mixed.reason).toBe('type-mismatch');
    expect(mixed.message).toMatch(/^a\.xs\[\]: .* mix long and string/);
    expect((await rejection('{"xs": [[1], {"a": 1}]}')).reason).toBe('type-mismatch');
  });

  it('rejects numbers it cannot hold exactly', async () => {
    const huge = await rejection('{"n": 1e400}');
    expect(huge.reason).toBe('type-mismatch');
    expect(huge.message).toBe('n: 1e400 is not a valid double: it is beyond its range');
    const digits = await rejection(`{"n": ${'9'.repeat(39)}}`);
    expect(digits.reason).toBe('type-mismatch');
    expect(digits.message).toContain('more than 38 digits');
  });

  it('leaves null, and what no value gives a type, out of the type', async () => {
    const decoded = await decode('{"a": null, "b": [], "c": [null, []], "d": {}, "e": {"f": []}, "g": 1}');
    expect(decoded.type).toEqual(struct(optional('g', T.long)));
    expect(decoded.row.a).toBeNull();
    expect(decoded.row.g).toBe(1n);
  });

  it('keeps a member named __proto__ as a member', async () => {
    const decoded = await decode('{"__proto__": 1}');
    expect(Object.getOwnPropertyDescriptor(decoded.row, '__proto__')?.value).toBe(1n);
    expect(Object.getPrototypeOf(decoded.row)).toBe(Object.prototype);
  });

  it('rejects what is not a JSON object as invalid-json', async () => {
    for (const text of ['[1]', '"x"', 'null', '{"a": 1', '{"a": 1}{', '']) {
      expect((await rejection(text)).reason).toBe('invalid-json');
    }
    expect((await rejection(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).reason).toBe(
      'invalid-json',
    );
  });
});
