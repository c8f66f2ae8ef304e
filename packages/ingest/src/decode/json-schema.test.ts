import { optional, required, T, uuidToBytes } from '@floe/iceberg';
import { describe, expect, it } from 'vitest';
import { RecordRejectedError, withSequentialIds } from './decoded';
import { jsonSchemaFormat } from './json-schema';
import type { ReferencedSchema } from './registry';

// Compiles schemas as the registry hands them over; the registry itself is in json-schema.integration.test.ts.
function reader(schema: object, references: ReferencedSchema[] = []) {
  const read = jsonSchemaFormat.compile({
    id: 7,
    schemaType: 'JSON',
    schema: JSON.stringify(schema),
    references,
  });
  return (text: string) => read(Buffer.from(text, 'utf8'));
}

function rejection(run: () => unknown): RecordRejectedError {
  try {
    run();
  } catch (error) {
    if (error instanceof RecordRejectedError) return error;
    throw error;
  }
  throw new Error('expected a RecordRejectedError');
}

const struct = (...fields: Parameters<typeof T.struct>[0]) => withSequentialIds(T.struct(fields));

const ORDER = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    id: { type: 'integer' },
    total: { type: 'number' },
    paid: { type: ['boolean', 'null'] },
    at: { type: 'string', format: 'date-time' },
    day: { type: 'string', format: 'date' },
    ref: { type: 'string', format: 'uuid' },
    status: { enum: ['new', 'done'] },
    lines: { type: 'array', items: { $ref: '#/definitions/line' } },
    attributes: { type: 'object', additionalProperties: { type: 'integer' } },
    note: { anyOf: [{ type: 'null' }, { type: 'string' }] },
  },
  required: ['id', 'at', 'lines', 'paid'],
  definitions: {
    line: {
      type: 'object',
      properties: { sku: { type: 'string' }, qty: { type: 'integer' } },
      required: ['sku'],
      additionalProperties: false,
    },
  },
};

describe('JSON Schema values', () => {
  it('are typed by the schema and read exactly', () => {
    const read = reader(ORDER);
    const decoded = read(
      JSON.stringify({
        id: 0,
        total: 12.5,
        paid: null,
        at: '2026-11-25T10:30:00.123456+01:00',
        day: '2026-11-25',
        ref: '9b2f6c5e-1d1a-4c7e-9a51-0c0d8e7f6a5b',
        status: 'done',
        lines: [{ sku: 'a', qty: 2 }, { sku: 'b' }],
        attributes: { x: 1, y: -2 },
        note: 'Zoë',
      }).replace('"id":0', '"id":9223372036854775807'),
    );
    const line = T.struct([required('sku', T.string), optional('qty', T.long)]);
    expect(decoded.type).toEqual(
      struct(
        required('id', T.long),
        optional('total', T.double),
        optional('paid', T.boolean),
        required('at', T.timestamptz),
        optional('day', T.date),
        optional('ref', T.uuid),
        optional('status', T.string),
        required('lines', T.list(line, true)),
        optional('attributes', T.map(T.string, T.long, true)),
        optional('note', T.string),
      ),
    );
    expect(decoded.row).toEqual({
      id: 2n ** 63n - 1n,
      total: 12.5,
      paid: null,
      at: 1_795_599_000_123_456n,
      day: 20_782,
      ref: uuidToBytes('9b2f6c5e-1d1a-4c7e-9a51-0c0d8e7f6a5b'),
      status: 'done',
      lines: [
        { sku: 'a', qty: 2n },
        { sku: 'b', qty: null },
      ],
      attributes: new Map([
        ['x', 1n],
        ['y', -2n],
      ]),
      note: 'Zoë',
    });
  });

  it('rejects a fraction, or a number beyond 64 bits, for an integer, and reads 12.0 as 12', () => {
    const read = reader({ type: 'object', properties: { n: { type: 'integer' } } });
    const fraction = rejection(() => read('{"n": 1.5}'));
    expect(fraction.reason).toBe('type-mismatch');
    expect(fraction.message).toBe('n: 1.5 is not a valid long: it is not a whole number');
    expect(rejection(() => read('{"n": 9223372036854775808}')).message).toContain('outside the 64-bit range');
    expect(rejection(() => read('{"n": 1e400}')).message).toBe(
      'n: 1e400 is not a valid long: it is outside the 64-bit range',
    );
    expect(rejection(() => read('{"n": "1"}')).message).toBe(
      'n: "1" is not a valid long: it is a string, not a number',
    );
    expect(read('{"n": 12.0}').row).toEqual({ n: 12n });
  });

  it('rejects a number a double cannot hold', () => {
    const read = reader({ type: 'object', properties: { x: { type: 'number' } } });
    expect(rejection(() => read('{"x": 1e400}')).reason).toBe('type-mismatch');
    expect(rejection(() => read('{"x": 9007199254740993}')).message).toContain(
      'does not hold this integer exactly',
    );
    expect(read('{"x": 9007199254740992}').row).toEqual({ x: 2 ** 53 });
  });

  it('rejects a missing required member, a null where none is allowed, and values outside the schema', () => {
    const read = reader(ORDER);
    const base = { id: 1, at: '2026-01-01T00:00:00Z', lines: [], paid: true };
    const missing = rejection(() => read(JSON.stringify({ ...base, at: undefined })));
    expect(missing.reason).toBe('schema-violation');
    expect(missing.message).toContain('at: the schema requires it');
    expect(rejection(() => read(JSON.stringify({ ...base, id: null }))).reason).toBe('type-mismatch');
    const extra = rejection(() => read(JSON.stringify({ ...base, lines: [{ sku: 'a', colour: 'red' }] })));
    expect(extra.reason).toBe('schema-violation');
    expect(extra.message).toContain('lines[0].colour');
    expect(rejection(() => read(JSON.stringify({ ...base, status: 'lost' }))).reason).toBe(
      'schema-violation',
    );
  });

  it('refuses timestamps it would have to round or place in a zone', () => {
    const read = reader({ type: 'object', properties: { at: { type: 'string', format: 'date-time' } } });
    expect(read('{"at": "2026-01-01T00:00:00.123456000Z"}').row).toEqual({ at: 1_767_225_600_123_456n });
    for (const at of ['2026-01-01T00:00:00.1234567Z', '2026-01-01T00:00:00', '2026-02-30T00:00:00Z']) {
      const error = rejection(() => read(JSON.stringify({ at })));
      expect(error.reason).toBe('type-mismatch');
      expect(error.message).toContain('is not a valid timestamptz');
    }
  });

  it('types members the schema does not name as schemaless JSON does, after the named ones', () => {
    const read = reader({ type: 'object', properties: { id: { type: 'integer' } } });
    const decoded = read('{"extra": [1, 2.5], "id": 1, "none": null}');
    expect(decoded.type).toEqual(struct(optional('id', T.long), optional('extra', T.list(T.double))));
    expect(decoded.row).toEqual({ id: 1n, extra: [1, 2.5], none: null });
  });

  it('resolves $ref to a schema the registry references', () => {
    const money = {
      type: 'object',
      properties: { units: { type: 'integer' }, currency: { type: 'string' } },
    };
    const read = reader({ type: 'object', properties: { price: { $ref: 'money.json' } } }, [
      { name: 'money.json', schemaType: 'JSON', schema: JSON.stringify(money) },
    ]);
    const decoded = read('{"price": {"units": 5, "currency": "EUR"}}');
    expect(decoded.type).toEqual(
      struct(optional('price', T.struct([optional('units', T.long), optional('currency', T.string)]))),
    );
    expect(decoded.row).toEqual({ price: { units: 5n, currency: 'EUR' } });
  });

  it('refuses schemas without an Iceberg type, naming the field', () => {
    const union = rejection(() =>
      reader({ type: 'object', properties: { v: { type: ['string', 'integer'] } } }),
    );
    expect(union.reason).toBe('undecodable');
    expect(union.message).toBe(
      'JSON schema 7 has no Iceberg form: v: type string or integer has no Iceberg type',
    );
    const recursive = rejection(() =>
      reader({
        type: 'object',
        properties: { node: { $ref: '#/definitions/node' } },
        definitions: { node: { type: 'object', properties: { next: { $ref: '#/definitions/node' } } } },
      }),
    );
    expect(recursive.message).toContain('node.next: $ref #/definitions/node contains itself');
    expect(rejection(() => reader({ type: 'array' })).reason).toBe('undecodable');
  });
});
