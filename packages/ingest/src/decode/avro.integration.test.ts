import { bigintLong, optional, required, T, uuidToBytes } from '@floe/iceberg';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../testing/stack';
import { createValueDecoder } from './create-decoder';
import { RecordRejectedError, withSequentialIds } from './decoded';
import { SchemaRegistry } from './registry';
import { writeWireHeader } from './wire-format';

const registry = new SchemaRegistry({ url: process.env.FLOE_SCHEMA_REGISTRY_URL as string });
const decoder = createValueDecoder('avro', registry);

// The producer's side: plain avsc, logical types as their underlying values, longs as bigint.
function encode(schema: object, value: object, schemaId: number): Buffer {
  const type = avro.Type.forSchema(schema as avro.Schema, {
    typeHook: (s) => (s === 'long' || (s as { type?: unknown }).type === 'long' ? bigintLong : undefined),
  });
  return writeWireHeader(schemaId, type.toBuffer(value));
}

async function rejection(value: Buffer): Promise<RecordRejectedError> {
  const error = await decoder.decode(value).catch((e: unknown) => e);
  if (!(error instanceof RecordRejectedError))
    throw new Error(`expected a RecordRejectedError, got ${error}`);
  return error;
}

const LINE = {
  type: 'record',
  name: 'Line',
  fields: [
    { name: 'sku', type: 'string' },
    { name: 'qty', type: 'int' },
  ],
};

const ORDER = {
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'long', doc: 'the order number' },
    { name: 'min', type: { type: 'long' } },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    {
      name: 'amount',
      type: { type: 'fixed', name: 'Amount', size: 8, logicalType: 'decimal', precision: 18, scale: 4 },
    },
    { name: 'ref', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'at_ms', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 'at_us', type: { type: 'long', logicalType: 'time-micros' } },
    { name: 'ts_ms', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'ts_us', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'ts_ns', type: { type: 'long', logicalType: 'timestamp-nanos' } },
    { name: 'local_ms', type: { type: 'long', logicalType: 'local-timestamp-millis' } },
    { name: 'local_us', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'DONE'] } },
    { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 4 } },
    { name: 'raw', type: 'bytes' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'ratio', type: 'float' },
    { name: 'score', type: 'double' },
    { name: 'ok', type: 'boolean' },
    { name: 'counts', type: { type: 'map', values: 'long' } },
    { name: 'lines', type: { type: 'array', items: LINE } },
    { name: 'first', type: ['null', 'Line'] },
    { name: 'odd_decimal', type: { type: 'bytes', logicalType: 'decimal', precision: 0 } },
  ],
};

const ORDER_VALUE = {
  id: 2n ** 63n - 1n,
  min: -(2n ** 63n),
  price: Buffer.from([0xff, 0x85]), // -123 unscaled: -1.23
  amount: Buffer.from([0, 0, 0, 0, 0x49, 0x96, 0x02, 0xd2]), // 1234567890 unscaled: 123456.7890
  ref: '9b2f6c5e-1d1a-4c7e-9a51-0c0d8e7f6a5b',
  day: 20_782,
  at_ms: 45_296_789, // 12:34:56.789
  at_us: 45_296_789_012n,
  ts_ms: 1_795_599_000_123n,
  ts_us: 1_795_599_000_123_456n,
  ts_ns: 1_795_599_000_123_456_789n,
  local_ms: -1n,
  local_us: 1_795_599_000_123_456n,
  status: 'DONE',
  hash: Buffer.from([1, 2, 3, 4]),
  raw: Buffer.from('\u0000bytes'),
  note: 'Zoë 🧊',
  ratio: 0.5,
  score: -1e300,
  ok: true,
  counts: { a: 9_007_199_254_740_993n },
  lines: [
    { sku: 'a', qty: 2 },
    { sku: 'b', qty: -1 },
  ],
  first: null,
  odd_decimal: Buffer.from([7]),
};

describe('Avro values from the registry', () => {
  it('map to Iceberg types and read exactly, logical types included', async () => {
    const id = await registry.register(uniqueName('avro-order'), { schema: JSON.stringify(ORDER) });
    const decoded = await decoder.decode(encode(ORDER, ORDER_VALUE, id));

    const line = T.struct([required('sku', T.string), required('qty', T.int)]);
    expect(decoded.schemaId).toBe(id);
    expect(decoded.type).toEqual(
      withSequentialIds(
        T.struct([
          required('id', T.long, 'the order number'),
          required('min', T.long),
          required('price', T.decimal(10, 2)),
          required('amount', T.decimal(18, 4)),
          required('ref', T.uuid),
          required('day', T.date),
          required('at_ms', T.time),
          required('at_us', T.time),
          required('ts_ms', T.timestamptz),
          required('ts_us', T.timestamptz),
          required('ts_ns', T.timestamptzNs),
          required('local_ms', T.timestamp),
          required('local_us', T.timestamp),
          required('status', T.string),
          required('hash', T.fixed(4)),
          required('raw', T.binary),
          optional('note', T.string),
          required('ratio', T.float),
          required('score', T.double),
          required('ok', T.boolean),
          required('counts', T.map(T.string, T.long, true)),
          required('lines', T.list(line, true)),
          optional('first', line),
          // precision 0 is not a valid decimal: the Avro spec says to read the underlying type.
          required('odd_decimal', T.binary),
        ]),
      ),
    );
    expect(decoded.row).toEqual({
      id: 2n ** 63n - 1n,
      min: -(2n ** 63n),
      price: -123n,
      amount: 1_234_567_890n,
      ref: uuidToBytes('9b2f6c5e-1d1a-4c7e-9a51-0c0d8e7f6a5b'),
      day: 20_782,
      at_ms: 45_296_789_000n,
      at_us: 45_296_789_012n,
      ts_ms: 1_795_599_000_123_000n,
      ts_us: 1_795_599_000_123_456n,
      ts_ns: 1_795_599_000_123_456_789n,
      local_ms: -1000n,
      local_us: 1_795_599_000_123_456n,
      status: 'DONE',
      hash: new Uint8Array([1, 2, 3, 4]),
      raw: new Uint8Array(Buffer.from('\u0000bytes')),
      note: 'Zoë 🧊',
      ratio: 0.5,
      score: -1e300,
      ok: true,
      counts: new Map([['a', 9_007_199_254_740_993n]]),
      lines: [
        { sku: 'a', qty: 2 },
        { sku: 'b', qty: -1 },
      ],
      first: null,
      odd_decimal: new Uint8Array([7]),
    });
  });

  it('reads each schema version with its own id', async () => {
    const subject = uniqueName('avro-evolving');
    const v1 = { type: 'record', name: 'Event', fields: [{ name: 'n', type: 'long' }] };
    const v2 = { ...v1, fields: [...v1.fields, { name: 'tag', type: ['null', 'string'], default: null }] };
    const id1 = await registry.register(subject, { schema: JSON.stringify(v1) });
    const id2 = await registry.register(subject, { schema: JSON.stringify(v2) });
    expect(id2).not.toBe(id1);

    const old = await decoder.decode(encode(v1, { n: 1n }, id1));
    const evolved = await decoder.decode(encode(v2, { n: 2n, tag: 'x' }, id2));
    expect(old).toEqual({
      schemaId: id1,
      type: withSequentialIds(T.struct([required('n', T.long)])),
      row: { n: 1n },
    });
    expect(evolved).toEqual({
      schemaId: id2,
      type: withSequentialIds(T.struct([required('n', T.long), optional('tag', T.string)])),
      row: { n: 2n, tag: 'x' },
    });
  });

  it('reads a schema whose types live in a referenced schema', async () => {
    const subject = uniqueName('avro-ref');
    const money = {
      type: 'record',
      name: 'Money',
      namespace: 'common',
      fields: [{ name: 'units', type: 'long' }],
    };
    await registry.register(`${subject}-money`, { schema: JSON.stringify(money) });
    const order = { type: 'record', name: 'Order', fields: [{ name: 'price', type: 'common.Money' }] };
    const id = await registry.register(`${subject}-order`, {
      schema: JSON.stringify(order),
      references: [{ name: 'common.Money', subject: `${subject}-money`, version: 1 }],
    });
    const full = { ...order, fields: [{ name: 'price', type: money }] };
    const decoded = await decoder.decode(encode(full, { price: { units: 5n } }, id));
    expect(decoded.row).toEqual({ price: { units: 5n } });
    expect(decoded.type).toEqual(
      withSequentialIds(T.struct([required('price', T.struct([required('units', T.long)]))])),
    );
  });

  it('rejects values it cannot read, naming why', async () => {
    const id = await registry.register(uniqueName('avro-bad'), {
      schema: JSON.stringify({
        type: 'record',
        name: 'R',
        fields: [
          { name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 3, scale: 1 } },
          { name: 's', type: 'string' },
        ],
      }),
    });
    const plain = avro.Type.forSchema({
      type: 'record',
      name: 'R',
      fields: [
        { name: 'd', type: 'bytes' },
        { name: 's', type: 'bytes' },
      ],
    });
    const wide = await rejection(
      writeWireHeader(id, plain.toBuffer({ d: Buffer.from([0x27, 0x10]), s: Buffer.from('x') })),
    );
    expect(wide.reason).toBe('type-mismatch');
    expect(wide.message).toBe(
      'd: 10000 is not a valid decimal(3,1): the unscaled value has more than 3 digits',
    );

    const notUtf8 = await rejection(
      writeWireHeader(id, plain.toBuffer({ d: Buffer.from([1]), s: Buffer.from([0xc3, 0x28]) })),
    );
    expect(notUtf8.reason).toBe('undecodable');
    expect(notUtf8.message).toContain('not UTF-8');

    const truncated = await rejection(writeWireHeader(id, Buffer.from([0x04, 0x01])));
    expect(truncated.reason).toBe('undecodable');

    expect((await rejection(writeWireHeader(2_000_000_001, Buffer.from([0])))).reason).toBe(
      'unknown-schema-id',
    );
    expect((await rejection(Buffer.from([1, 0, 0, 0, 1, 0]))).reason).toBe('bad-magic-byte');
  });

  it('refuses a union of two types, and a schema of another format', async () => {
    const subject = uniqueName('avro-union');
    const union = { type: 'record', name: 'U', fields: [{ name: 'v', type: ['null', 'string', 'long'] }] };
    const id = await registry.register(subject, { schema: JSON.stringify(union) });
    const error = await rejection(encode(union, { v: 'x' }, id));
    expect(error.reason).toBe('undecodable');
    expect(error.message).toBe(
      `Avro schema ${id} has no Iceberg form: v: a union of null, string, long has no Iceberg type (only [null, X] has)`,
    );

    const jsonId = await registry.register(`${subject}-json`, {
      schema: '{"type":"object","properties":{}}',
      schemaType: 'JSON',
    });
    const other = await rejection(writeWireHeader(jsonId, Buffer.from('{}')));
    expect(other.message).toBe(`schema ${jsonId} is a JSON schema, and this pipeline reads AVRO values`);
  });
});
