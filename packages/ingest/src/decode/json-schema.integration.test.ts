import { optional, required, T, uuidToBytes } from '@floe/iceberg';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../testing/stack';
import { createValueDecoder } from './create-decoder';
import { RecordRejectedError, withSequentialIds } from './decoded';
import { SchemaRegistry } from './registry';
import { writeWireHeader } from './wire-format';

const registry = new SchemaRegistry({ url: process.env.FLOE_SCHEMA_REGISTRY_URL as string });
const decoder = createValueDecoder('json-schema', registry);

const encode = (schemaId: number, text: string) => writeWireHeader(schemaId, Buffer.from(text, 'utf8'));

async function rejection(value: Buffer): Promise<RecordRejectedError> {
  const error = await decoder.decode(value).catch((e: unknown) => e);
  if (!(error instanceof RecordRejectedError))
    throw new Error(`expected a RecordRejectedError, got ${error}`);
  return error;
}

const MONEY = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { units: { type: 'integer' }, currency: { type: 'string' } },
  required: ['units', 'currency'],
};

const ORDER = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: { type: 'string', format: 'date-time' },
    day: { type: 'string', format: 'date' },
    ref: { type: 'string', format: 'uuid' },
    price: { $ref: 'money.json' },
    lines: {
      type: 'array',
      items: {
        type: 'object',
        properties: { sku: { type: 'string' }, weight: { type: ['number', 'null'] } },
        required: ['sku'],
      },
    },
    tags: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['id', 'at'],
};

describe('JSON Schema values from the registry', () => {
  it('map to Iceberg types and read exactly, a referenced schema included', async () => {
    const subject = uniqueName('json-order');
    await registry.register(`${subject}-money`, { schema: JSON.stringify(MONEY), schemaType: 'JSON' });
    const id = await registry.register(subject, {
      schema: JSON.stringify(ORDER),
      schemaType: 'JSON',
      references: [{ name: 'money.json', subject: `${subject}-money`, version: 1 }],
    });
    const decoded = await decoder.decode(
      encode(
        id,
        '{"id": -9223372036854775808, "at": "2026-11-25T09:30:00.000001Z", "day": "1969-12-31", ' +
          '"ref": "9B2F6C5E-1D1A-4C7E-9A51-0C0D8E7F6A5B", "price": {"units": 1234567890123456789, "currency": "EUR"}, ' +
          '"lines": [{"sku": "a", "weight": 0.25}, {"sku": "b", "weight": null}], "tags": {"k": "v"}}',
      ),
    );
    expect(decoded.schemaId).toBe(id);
    expect(decoded.type).toEqual(
      withSequentialIds(
        T.struct([
          required('id', T.long),
          required('at', T.timestamptz),
          optional('day', T.date),
          optional('ref', T.uuid),
          optional('price', T.struct([required('units', T.long), required('currency', T.string)])),
          optional(
            'lines',
            T.list(T.struct([required('sku', T.string), optional('weight', T.double)]), true),
          ),
          optional('tags', T.map(T.string, T.string, true)),
        ]),
      ),
    );
    expect(decoded.row).toEqual({
      id: -(2n ** 63n),
      at: 1_795_599_000_000_001n,
      day: -1,
      ref: uuidToBytes('9b2f6c5e-1d1a-4c7e-9a51-0c0d8e7f6a5b'),
      price: { units: 1_234_567_890_123_456_789n, currency: 'EUR' },
      lines: [
        { sku: 'a', weight: 0.25 },
        { sku: 'b', weight: null },
      ],
      tags: new Map([['k', 'v']]),
    });
  });

  it('reads each schema version with its own id', async () => {
    const subject = uniqueName('json-evolving');
    // Closed, as adding a member to an open content model is no compatible change (the registry refuses it).
    const v1 = {
      type: 'object',
      properties: { n: { type: 'integer' } },
      required: ['n'],
      additionalProperties: false,
    };
    const v2 = { ...v1, properties: { ...v1.properties, tag: { type: 'string' } } };
    const id1 = await registry.register(subject, { schema: JSON.stringify(v1), schemaType: 'JSON' });
    const id2 = await registry.register(subject, { schema: JSON.stringify(v2), schemaType: 'JSON' });
    expect(id2).not.toBe(id1);
    expect(await decoder.decode(encode(id1, '{"n": 1}'))).toEqual({
      schemaId: id1,
      type: withSequentialIds(T.struct([required('n', T.long)])),
      row: { n: 1n },
    });
    expect(await decoder.decode(encode(id2, '{"n": 2, "tag": "x"}'))).toEqual({
      schemaId: id2,
      type: withSequentialIds(T.struct([required('n', T.long), optional('tag', T.string)])),
      row: { n: 2n, tag: 'x' },
    });
  });

  it('rejects bad values, unknown ids and values without the header', async () => {
    const id = await registry.register(uniqueName('json-bad'), {
      schema: JSON.stringify(MONEY),
      schemaType: 'JSON',
    });
    const fraction = await rejection(encode(id, '{"units": 1.5, "currency": "EUR"}'));
    expect(fraction.reason).toBe('type-mismatch');
    expect(fraction.message).toBe('units: 1.5 is not a valid long: it is not a whole number');
    const missing = await rejection(encode(id, '{"units": 1}'));
    expect(missing.reason).toBe('schema-violation');
    expect((await rejection(encode(id, '{"units": 1, '))).reason).toBe('invalid-json');
    expect((await rejection(encode(2_000_000_003, '{}'))).reason).toBe('unknown-schema-id');
    expect((await rejection(Buffer.from('{"units": 1}'))).reason).toBe('bad-magic-byte');
  });
});
