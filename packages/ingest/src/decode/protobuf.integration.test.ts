import { optional, required, T } from '@floe/iceberg';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../testing/stack';
import { createValueDecoder } from './create-decoder';
import { RecordRejectedError, withSequentialIds } from './decoded';
import { SchemaRegistry } from './registry';
import { writeMessageIndexes, writeWireHeader } from './wire-format';

const registry = new SchemaRegistry({ url: process.env.FLOE_SCHEMA_REGISTRY_URL as string });
const decoder = createValueDecoder('protobuf', registry);

const SHOP = `syntax = "proto3";
package shop.v1;

import "google/protobuf/timestamp.proto";

message Ping {
  string from = 1;
}

message Order {
  enum Status {
    NEW = 0;
    DONE = 1;
  }
  message Line {
    string sku = 1;
    sint32 qty = 2;
  }
  int64 id = 1;
  int64 min = 2;
  uint64 big = 3;
  uint32 count = 4;
  fixed32 mask = 5;
  sfixed64 delta = 6;
  int32 small = 7;
  double score = 8;
  float ratio = 9;
  bool ok = 10;
  string name = 11;
  bytes raw = 12;
  Status status = 13;
  repeated Line lines = 14;
  Line first = 15;
  map<string, int64> counts = 16;
  map<uint64, string> labels = 17;
  optional string note = 18;
  oneof payment {
    string card = 19;
    int64 cash = 20;
  }
  google.protobuf.Timestamp at = 21;
  repeated int64 ids = 22;
}
`;

// The producer's side: protobufjs on the same .proto text.
const producer = new protobuf.Root();
protobuf.parse(SHOP, producer, { keepCase: true });
producer.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')?.nested ?? {});
producer.resolveAll();

function encode(type: protobuf.Type, value: object, schemaId: number, indexes: number[]): Buffer {
  const body = type.encode(type.fromObject(value)).finish();
  return writeWireHeader(schemaId, Buffer.concat([writeMessageIndexes(indexes), body]));
}

async function rejection(value: Buffer): Promise<RecordRejectedError> {
  const error = await decoder.decode(value).catch((e: unknown) => e);
  if (!(error instanceof RecordRejectedError))
    throw new Error(`expected a RecordRejectedError, got ${error}`);
  return error;
}

const LINE = T.struct([required('sku', T.string), required('qty', T.int)]);

describe('Protobuf values from the registry', () => {
  it('map to Iceberg types and read exactly, the message picked by the message indexes', async () => {
    const id = await registry.register(uniqueName('proto-shop'), { schema: SHOP, schemaType: 'PROTOBUF' });
    const Order = producer.lookupType('shop.v1.Order');
    const decoded = await decoder.decode(
      encode(
        Order,
        {
          id: '9223372036854775807',
          min: '-9223372036854775808',
          big: '18446744073709551615',
          count: 4_294_967_295,
          mask: 4_294_967_295,
          delta: '-1',
          small: -2_147_483_648,
          score: 0.1,
          ratio: 0.5,
          ok: true,
          name: 'Zoë 🧊',
          raw: Buffer.from([0, 255]),
          status: 'DONE',
          lines: [{ sku: 'a', qty: -3 }, { sku: 'b' }],
          first: { sku: 'f', qty: 1 },
          counts: { a: '9007199254740993' },
          labels: { '18446744073709551615': 'max' },
          note: '',
          cash: '5',
          at: { seconds: '1795599000', nanos: 123_456_000 },
          ids: ['1', '-1'],
        },
        id,
        [1],
      ),
    );
    expect(decoded.schemaId).toBe(id);
    expect(decoded.type).toEqual(
      withSequentialIds(
        T.struct([
          required('id', T.long),
          required('min', T.long),
          required('big', T.decimal(20, 0)),
          required('count', T.long),
          required('mask', T.long),
          required('delta', T.long),
          required('small', T.int),
          required('score', T.double),
          required('ratio', T.float),
          required('ok', T.boolean),
          required('name', T.string),
          required('raw', T.binary),
          required('status', T.string),
          required('lines', T.list(LINE, true)),
          optional('first', LINE),
          required('counts', T.map(T.string, T.long, true)),
          required('labels', T.map(T.decimal(20, 0), T.string, true)),
          optional('note', T.string),
          optional('card', T.string),
          optional('cash', T.long),
          optional('at', T.timestamptz),
          required('ids', T.list(T.long, true)),
        ]),
      ),
    );
    expect(decoded.row).toEqual({
      id: 2n ** 63n - 1n,
      min: -(2n ** 63n),
      big: 2n ** 64n - 1n,
      count: 4_294_967_295n,
      mask: 4_294_967_295n,
      delta: -1n,
      small: -2_147_483_648,
      score: 0.1,
      ratio: 0.5,
      ok: true,
      name: 'Zoë 🧊',
      raw: new Uint8Array([0, 255]),
      status: 'DONE',
      lines: [
        { sku: 'a', qty: -3 },
        { sku: 'b', qty: 0 },
      ],
      first: { sku: 'f', qty: 1 },
      counts: new Map([['a', 9_007_199_254_740_993n]]),
      labels: new Map([[2n ** 64n - 1n, 'max']]),
      // An explicit-presence field set to its default is there; the oneof member not set is not.
      note: '',
      card: null,
      cash: 5n,
      at: 1_795_599_000_123_456n,
      ids: [1n, -1n],
    });
  });

  it('reads absent proto3 scalars as their defaults and absent messages as null', async () => {
    const id = await registry.register(uniqueName('proto-defaults'), {
      schema: SHOP,
      schemaType: 'PROTOBUF',
    });
    const { row } = await decoder.decode(writeWireHeader(id, Buffer.from([0x02, 0x02]))); // [1], empty body
    expect(row).toMatchObject({
      id: 0n,
      big: 0n,
      name: '',
      raw: new Uint8Array(),
      status: 'NEW',
      ok: false,
      lines: [],
      counts: new Map(),
      first: null,
      note: null,
      cash: null,
      at: null,
    });
  });

  it('picks the first message for a lone 0 and nested messages by their path', async () => {
    const id = await registry.register(uniqueName('proto-paths'), { schema: SHOP, schemaType: 'PROTOBUF' });
    const ping = await decoder.decode(encode(producer.lookupType('shop.v1.Ping'), { from: 'x' }, id, [0]));
    expect(ping.type).toEqual(withSequentialIds(T.struct([required('from', T.string)])));
    expect(ping.row).toEqual({ from: 'x' });
    const line = await decoder.decode(
      encode(producer.lookupType('shop.v1.Order.Line'), { sku: 's', qty: 7 }, id, [1, 0]),
    );
    expect(line.type).toEqual(withSequentialIds(LINE));
    expect(line.row).toEqual({ sku: 's', qty: 7 });
    const missing = await rejection(encode(producer.lookupType('shop.v1.Ping'), {}, id, [2]));
    expect(missing.reason).toBe('undecodable');
    expect(missing.message).toContain('no message at index path [2]');
  });

  it('reads messages imported from a referenced schema, and a newer version with its own id', async () => {
    const subject = uniqueName('proto-ref');
    const money =
      'syntax = "proto3";\npackage common;\nmessage Money {\n  string currency = 1;\n  int64 units = 2;\n}\n';
    await registry.register(`${subject}-money`, { schema: money, schemaType: 'PROTOBUF' });
    const v1 =
      'syntax = "proto3";\npackage shop;\nimport "common/money.proto";\nmessage Sale {\n  common.Money price = 1;\n}\n';
    const v2 = v1.replace('}\n', '  string buyer = 2;\n}\n');
    const references = [{ name: 'common/money.proto', subject: `${subject}-money`, version: 1 }];
    const id1 = await registry.register(subject, { schema: v1, schemaType: 'PROTOBUF', references });
    const id2 = await registry.register(subject, { schema: v2, schemaType: 'PROTOBUF', references });
    expect(id2).not.toBe(id1);

    const root = new protobuf.Root();
    protobuf.parse(money, root, { keepCase: true });
    protobuf.parse(v2, root, { keepCase: true });
    root.resolveAll();
    const Sale = root.lookupType('shop.Sale');
    const value = { price: { currency: 'EUR', units: '-5' }, buyer: 'b' };
    const price = T.struct([required('currency', T.string), required('units', T.long)]);

    const old = await decoder.decode(encode(Sale, { price: value.price }, id1, [0]));
    expect(old.type).toEqual(withSequentialIds(T.struct([optional('price', price)])));
    expect(old.row).toEqual({ price: { currency: 'EUR', units: -5n } });
    const evolved = await decoder.decode(encode(Sale, value, id2, [0]));
    expect(evolved.schemaId).toBe(id2);
    expect(evolved.type).toEqual(
      withSequentialIds(T.struct([optional('price', price), required('buyer', T.string)])),
    );
    expect(evolved.row).toEqual({ price: { currency: 'EUR', units: -5n }, buyer: 'b' });
  });

  it('rejects what it cannot read exactly', async () => {
    const id = await registry.register(uniqueName('proto-bad'), { schema: SHOP, schemaType: 'PROTOBUF' });
    const Order = producer.lookupType('shop.v1.Order');
    const nanos = await rejection(encode(Order, { at: { seconds: 1, nanos: 1 } }, id, [1]));
    expect(nanos.reason).toBe('type-mismatch');
    expect(nanos.message).toBe(
      'at: "1s 1ns" is not a valid timestamptz: timestamptz holds microseconds, not nanoseconds',
    );

    // Field 13 (status) with enum number 7, which the schema does not have.
    const unknownEnum = await rejection(writeWireHeader(id, Buffer.from([0x02, 0x02, 0x68, 0x07])));
    expect(unknownEnum.reason).toBe('schema-violation');
    expect(unknownEnum.message).toContain('status: 7 is not a valid enum Status');

    // Field 11 (name) with bytes that are not UTF-8.
    const notUtf8 = await rejection(writeWireHeader(id, Buffer.from([0x02, 0x02, 0x5a, 0x02, 0xc3, 0x28])));
    expect(notUtf8.reason).toBe('undecodable');

    const truncated = await rejection(writeWireHeader(id, Buffer.from([0x02, 0x02, 0x5a, 0x05, 0x41])));
    expect(truncated.reason).toBe('undecodable');
    expect((await rejection(Buffer.from('{"not":"protobuf"}'))).reason).toBe('bad-magic-byte');
    expect((await rejection(writeWireHeader(2_000_000_002, Buffer.from([0])))).reason).toBe(
      'unknown-schema-id',
    );
  });
});
