import { optional, required, T } from '@floe/iceberg';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { avroFormat } from '../decode/avro';
import { type ValueDecoder, withSequentialIds } from '../decode/decoded';
import { jsonSchemaFormat } from '../decode/json-schema';
import type { RawRecord } from '../engine/engine';
import { RecordMapper } from '../mapping/map-record';
import { afterImageDecoder, envelopeChangeReader, readChangeEvent } from './debezium';

const read = (text: string) => {
  const e = readChangeEvent(Buffer.from(text));
  return { op: e.op, before: e.before?.toString() ?? null, after: e.after?.toString() ?? null };
};

describe('readChangeEvent', () => {
  it('slices the images from the text as produced (numbers, escapes and non-ASCII kept byte for byte)', () => {
    const after =
      '{"id": 12345678901234567890, "price": 1.10, "name": "caf\\u00e9 \\"x\\" ü", "tags": [1, {"a": "}"}]}';
    expect(read(`{"before": null, "after": ${after}, "op": "c", "source": {"lsn": 7, "ts_ms": 1}}`)).toEqual({
      op: 'c',
      before: null,
      after,
    });
  });

  it('reads the envelope inside a JSON converter schema/payload wrapper', () => {
    expect(
      read(
        '{"schema": {"type": "struct", "fields": []}, "payload": {"op": "d", "before": {"id": 1}, "after": null}}',
      ),
    ).toEqual({ op: 'd', before: '{"id": 1}', after: null });
  });

  it('rejects what is not a change event, naming why', () => {
    expect(() => read('{"op": "x", "after": {}}')).toThrow('op is "x", not one of c, r, u, d');
    expect(() => read('{"id": 1}')).toThrow('op is missing');
    expect(() => read('{"op": "u", "before": {"id": 1}, "after": null}')).toThrow(
      'a change of op u has no after image',
    );
    expect(() => read('{"op": "c", "after": [1]}')).toThrow('after is not an object or null');
    expect(() => read('{"op": "c", "after": {"id": 1')).toThrow('invalid JSON');
  });
});

/** A Debezium envelope in Avro as its converter registers it, decoded by the Avro format's own reader. */
const ROW = {
  type: 'record',
  name: 'Value',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: ['null', 'string'], default: null },
  ],
};
const ENVELOPE = {
  type: 'record',
  name: 'Envelope',
  fields: [
    { name: 'before', type: ['null', ROW], default: null },
    { name: 'after', type: ['null', 'Value'], default: null },
    {
      name: 'source',
      type: {
        type: 'record',
        name: 'Source',
        fields: [
          { name: 'ts_ms', type: 'long' },
          { name: 'lsn', type: ['null', 'long'], default: null },
        ],
      },
    },
    { name: 'op', type: 'string' },
  ],
};
const envelopeType = avro.Type.forSchema(ENVELOPE as avro.Schema);
const readEnvelope = avroFormat.compile({
  id: 7,
  schemaType: 'AVRO',
  schema: JSON.stringify(ENVELOPE),
  references: [],
});
const envelope: ValueDecoder = { decode: async (value) => readEnvelope(value) };
const avroEvent = (op: string, before: object | null, after: object | null): RawRecord => ({
  offset: 3n,
  timestampMs: 0n,
  key: Buffer.from('{"id":1}'),
  value: envelopeType.toBuffer({ before, after, source: { ts_ms: 1, lsn: 9 }, op }),
  headers: [],
});
const mapper = new RecordMapper({ kafkaMetadata: false, rename: {}, timestamps: [] }, 'string');

describe('Debezium envelopes through the registry', () => {
  it('the after image is the row, typed as the after record, values as the format maps them', async () => {
    const record = avroEvent('u', { id: 1, name: 'a' }, { id: 2, name: null });
    const after = await afterImageDecoder(envelope).decode(record.value as Buffer);
    expect(after).toEqual({
      type: withSequentialIds(T.struct([required('id', T.long), optional('name', T.string)])),
      row: { id: 2n, name: null },
    });
    const event = await envelopeChangeReader(envelope, mapper).read('t', 0, record);
    expect(event).toEqual({ op: 'u', before: { id: 1n, name: 'a' }, after: record });
  });

  it('a delete has no after row; r reads like c; a bad op or a missing after image is a bad change', async () => {
    const reader = envelopeChangeReader(envelope, mapper);
    expect(await reader.read('t', 0, avroEvent('d', { id: 1, name: 'a' }, null))).toEqual({
      op: 'd',
      before: { id: 1n, name: 'a' },
      after: null,
    });
    const snapshot = avroEvent('r', null, { id: 4, name: 'd' });
    expect(await reader.read('t', 0, snapshot)).toEqual({ op: 'r', before: null, after: snapshot });
    for (const [record, message] of [
      [avroEvent('x', null, { id: 1, name: 'a' }), 'op is "x", not one of c, r, u, d'],
      [avroEvent('c', null, null), 'a change of op c has no after image'],
    ] as const) {
      await expect(reader.read('t', 0, record)).rejects.toThrow(message);
      await expect(afterImageDecoder(envelope).decode(record.value as Buffer)).rejects.toMatchObject({
        reason: 'bad-change',
      });
    }
  });
});

/** The same event as Confluent's JSON Schema converter registers it: nullable images as oneOf null or object. */
const JSON_ROW = {
  type: 'object',
  title: 'Value',
  properties: { id: { type: 'integer', 'connect.type': 'int64' }, name: { type: ['string', 'null'] } },
  required: ['id'],
};
const JSON_ENVELOPE = {
  type: 'object',
  title: 'Envelope',
  properties: {
    before: { oneOf: [{ type: 'null' }, JSON_ROW] },
    after: { oneOf: [{ type: 'null' }, JSON_ROW] },
    source: { type: 'object', properties: { ts_ms: { type: 'integer' }, lsn: { type: 'integer' } } },
    op: { type: 'string' },
  },
  required: ['op', 'source'],
};
const readJsonEnvelope = jsonSchemaFormat.compile({
  id: 8,
  schemaType: 'JSON',
  schema: JSON.stringify(JSON_ENVELOPE),
  references: [],
});

describe('Debezium envelopes in JSON Schema', () => {
  it('read like Avro ones: the after image is the row, the before image gives the old key', async () => {
    const decoder: ValueDecoder = { decode: async (value) => readJsonEnvelope(value) };
    const record = {
      ...avroEvent('u', null, null),
      value: Buffer.from(
        JSON.stringify({
          before: { id: 1, name: 'a' },
          after: { id: 2, name: null },
          source: { ts_ms: 1, lsn: 9 },
          op: 'u',
        }),
      ),
    };
    const after = await afterImageDecoder(decoder).decode(record.value);
    expect(after.row).toEqual({ id: 2n, name: null });
    expect(after.type.fields.map((f) => [f.name, f.required])).toEqual([
      ['id', true],
      ['name', false],
    ]);
    const event = await envelopeChangeReader(decoder, mapper).read('t', 0, record);
    expect(event).toEqual({ op: 'u', before: { id: 1n, name: 'a' }, after: record });
  });
});
