import { bigintLong } from '@floe/iceberg';
import { scanWithPyiceberg } from '@floe/iceberg/testing';
import type { PipelineSpecInput } from '@floe/protocol';
import avro from 'avsc';
import { afterAll, describe, expect, it } from 'vitest';
import { createValueDecoder } from '../decode/create-decoder';
import { SchemaRegistry } from '../decode/registry';
import { SchemalessJsonDecoder } from '../decode/schemaless-json';
import { writeWireHeader } from '../decode/wire-format';
import { nativeEngineStatus } from '../engine/native-module';
import {
  createTopic,
  testAwsCredentials,
  testCatalog,
  testKafka,
  testSpec,
  uniqueName,
  waitForCommitted,
} from '../testing/stack';
import { type OpenedPipeline, openPipeline, type PipelineHost } from './open-pipeline';

// Both engines ingest the same topic of awkward values into their own table: pyiceberg reads back the
// same rows from each, with every value exactly as produced, and table + dead letters = produced.

const kafka = testKafka();
const catalog = testCatalog();
const namespace = uniqueName('engines');
const opened: OpenedPipeline[] = [];
const status = nativeEngineStatus();

afterAll(async () => {
  await Promise.all(opened.map((p) => p.stop()));
});

/** Values, each as produced; `null` is a tombstone. */
const firstJson = [
  '{"id":1,"big":9007199254740993,"amount":1.5,"s":"h\\u00e9llo \\u0000\\t\\"\\u00fc😀","tags":["a","b"],"nested":{"a":1,"b":[{"x":"y"}]},"ts":"2026-11-25T09:30:00.123456Z","epoch":1764063000123}',
  '{"id":2,"big":9223372036854775807,"amount":-0.0,"s":"","tags":[],"nested":{"a":null,"b":[]},"ts":"2026-11-25T10:30:00+02:00","epoch":0}',
  '{"id":3,"big":-9223372036854775808,"amount":null,"s":null,"tags":null,"nested":null}',
  '{"id":4,"tags":[null,"z"],"nested":{"b":[{"x":null},{}]}}',
];
const laterJson = [
  '{"id":5,"big":1.5}', // a fraction for a long column: rejected
  '{"id":"6"}', // text for a long column: rejected
  '{"id":7,"added":"a new field","amount":3}', // a new column; an integer into the double column
  'not json', // rejected
  '[1,2]', // not an object: rejected
  null, // a tombstone: a row of nulls but its Kafka metadata
  '{"id":9,"ts":"2026-11-25T09:30:00"}', // no zone: which instant? rejected
  '{"id":10,"huge":123456789012345678901234567890}', // beyond a long: decimal(38,0)
  '{"id":11,"big":12,"amount":1e300,"tags":["x"]}',
];
const rejectedCount = 5;

const registry = new SchemaRegistry({ url: process.env.FLOE_SCHEMA_REGISTRY_URL as string });

const LINE = {
  type: 'record',
  name: 'Line',
  fields: [
    { name: 'sku', type: 'string' },
    { name: 'qty', type: ['null', 'int'] },
  ],
};
const EVENT_V1 = {
  type: 'record',
  name: 'Event',
  namespace: 'engines',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'ref', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'at', type: { type: 'long', logicalType: 'time-micros' } },
    { name: 'when', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }] },
    { name: 'local', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'DONE'] } },
    { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 4 } },
    { name: 'note', type: ['null', 'string'] },
    { name: 'ratio', type: 'float' },
    { name: 'score', type: 'double' },
    { name: 'tags', type: { type: 'map', values: ['null', 'long'] } },
    { name: 'lines', type: { type: 'array', items: LINE } },
    { name: 'first', type: ['null', 'Line'] },
  ],
};
const EVENT_V2 = {
  ...EVENT_V1,
  fields: [...EVENT_V1.fields, { name: 'added', type: ['null', 'string'], default: null }],
};

/** An Avro event as avsc takes it (longs as bigint, logical types as their underlying values). */
function event(id: number, over: Record<string, unknown> = {}) {
  return {
    id: BigInt(id),
    price: Buffer.from([0xff, 0x85]),
    ref: '9b2f6c5e-1d1a-4c7e-9a51-0c0d8e7f6a5b',
    day: 20_417,
    at: 45_296_789_012n,
    when: 1_795_599_000_123n,
    local: -1n,
    status: 'DONE',
    hash: Buffer.from([1, 2, 3, id]),
    note: 'Zoë 🧊',
    ratio: 0.5,
    score: -0,
    tags: { b: 9_007_199_254_740_993n, a: null },
    lines: [
      { sku: 'a', qty: 2 },
      { sku: 'b', qty: null },
    ],
    first: { sku: 'x', qty: -1 },
    ...over,
  };
}

type Message = { key: string | null; value: string | Buffer | null; headers?: Record<string, string> };

/**
 * Opens one pipeline per engine on a new topic (its first messages make the table), produces the
 * later ones, and gives the rows pyiceberg reads from each table by offset, and the dead letters.
 */
async function bothEngines(
  first: Message[],
  later: Message[],
  overrides: Partial<PipelineSpecInput>,
  host: Pick<PipelineHost, 'decoder' | 'registry'>,
) {
  await catalog.createNamespace([namespace]).catch(() => {});
  const topic = uniqueName('engines').replace('_', '-');
  const tables = { native: uniqueName('native'), portable: uniqueName('portable') };
  await createTopic(kafka, topic, 1);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: first });
  const produced = first.length + later.length;
  const dlqCounts: Record<string, number> = {};
  const specs = (['native', 'portable'] as const).map((engine) => {
    const dlq = `${topic}-${engine}-dlq`;
    return {
      dlq,
      spec: testSpec([topic], namespace, tables[engine], {
        engine,
        deadLetter: { policy: 'dlq', topic: dlq },
        ...overrides,
      }),
    };
  });
  for (const { dlq, spec } of specs) {
    await createTopic(kafka, dlq, 1);
    const chosen: string[] = [];
    const pipeline = await openPipeline(spec, {
      ...host,
      resolveSecret: async () => '',
      awsCredentials: testAwsCredentials,
      log: (_level, _message, fields) => {
        if (typeof fields?.engine === 'string') chosen.push(fields.engine);
      },
      observer: {
        deadLettered: (_reason, n) => {
          dlqCounts[spec.engine] = (dlqCounts[spec.engine] ?? 0) + n;
        },
      },
    });
    opened.push(pipeline);
    await pipeline.start();
    // The table is made from the first records' types; the later ones meet its columns.
    await waitForCommitted(catalog, namespace, [spec.table.name], spec.id, first.length);
    expect(chosen).toEqual([spec.engine]);
  }
  await producer.send({ topic, messages: later });
  await producer.disconnect();
  for (const { spec } of specs)
    await waitForCommitted(catalog, namespace, [spec.table.name], spec.id, produced);
  const [native, portable] = await Promise.all(
    [tables.native, tables.portable].map(async (t) => (await scanWithPyiceberg([namespace], t)).rows),
  );
  const byOffset = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => offsetOf(a) - offsetOf(b));
  return {
    native: byOffset(native as Record<string, unknown>[]),
    portable: byOffset(portable as Record<string, unknown>[]),
    produced,
    dlqCounts,
  };
}

describe('the native and portable engines write the same table', () => {
  it.skipIf(!status.available)(
    'reads back equal rows, every value as produced, and dead-letters the same records',
    { timeout: 240_000 },
    async () => {
      const { native, portable, produced, dlqCounts } = await bothEngines(
        firstJson.map((value, i) => ({ key: `k${i}`, value, headers: { h: `v${i}` } })),
        laterJson.map((value, i) => ({ key: i % 2 === 0 ? null : `l${i}`, value })),
        {
          mapping: {
            kafkaMetadata: true,
            rename: {},
            timestamps: [
              { field: 'ts', format: 'iso8601' },
              { field: 'epoch', format: 'epoch-ms' },
            ],
          },
        },
        { decoder: new SchemalessJsonDecoder() },
      );
      expect(native).toEqual(portable);
      expect(native).toHaveLength(produced - rejectedCount);
      expect(dlqCounts).toEqual({ native: rejectedCount, portable: rejectedCount });

      const rows = native;
      expect(rows[0]).toMatchObject({
        id: 'i:1',
        big: 'i:9007199254740993',
        s: 'héllo \u0000\t"ü😀',
        tags: ['a', 'b'],
        nested: { a: 'i:1', b: [{ x: 'y' }] },
        ts: `ts:${Date.UTC(2026, 10, 25, 9, 30, 0) * 1000 + 123456}`,
        epoch: `ts:${1764063000123 * 1000}`,
      });
      expect(rows[1]).toMatchObject({
        big: 'i:9223372036854775807',
        amount: floatTag(-0),
        s: '',
        tags: [],
        nested: { a: null, b: [] },
        ts: `ts:${Date.UTC(2026, 10, 25, 8, 30, 0) * 1000}`,
      });
      expect(rows[2]).toMatchObject({ big: 'i:-9223372036854775808', s: null, tags: null, nested: null });
      expect(rows[3]).toMatchObject({
        tags: [null, 'z'],
        nested: { a: null, b: [{ x: null }, { x: null }] },
      });
      expect(rows[4]).toMatchObject({ id: 'i:7', added: 'a new field', amount: floatTag(3) });
      expect(rows[5]).toMatchObject({ id: null, big: null, _kafka: { key: 'l5' } });
      expect(rows[6]).toMatchObject({ id: 'i:10', huge: 'd:123456789012345678901234567890e0' });
      expect(rows[7]).toMatchObject({ amount: floatTag(1e300), tags: ['x'] });
    },
  );

  it.skipIf(!status.available)(
    'reads Avro through the registry to equal rows, logical types and all, and dead-letters the same records',
    { timeout: 240_000 },
    async () => {
      const subject = uniqueName('engines-avro');
      const v1 = await registry.register(subject, { schema: JSON.stringify(EVENT_V1) });
      const v2 = await registry.register(subject, { schema: JSON.stringify(EVENT_V2) });
      const encode = (schema: object, id: number, value: object) =>
        writeWireHeader(
          id,
          avro.Type.forSchema(schema as avro.Schema, {
            typeHook: (t) =>
              t === 'long' || (t as { type?: unknown }).type === 'long' ? bigintLong : undefined,
          }).toBuffer(value),
        );
      const first = [event(1), event(2, { note: null, lines: [], tags: {}, when: null })];
      const good = encode(EVENT_V1, v1, event(3));
      const later: Message[] = [
        { key: 'a', value: encode(EVENT_V2, v2, { ...event(4), added: 'new' }) }, // a new column
        { key: 'b', value: encode(EVENT_V1, v1, event(5, { ref: 'no uuid' })) }, // rejected
        { key: 'c', value: Buffer.concat([good, Buffer.from([0])]) }, // trailing data: rejected
        { key: 'd', value: good.subarray(0, 9) }, // truncated: rejected
        { key: 'e', value: Buffer.from('{"id":6}') }, // no registry framing: rejected
        { key: 'f', value: writeWireHeader(2_000_000_002, Buffer.from([0])) }, // unknown id: rejected
        { key: 'g', value: null }, // a tombstone: a row of nulls but its Kafka metadata
        { key: null, value: good },
      ];
      const { native, portable, produced, dlqCounts } = await bothEngines(
        first.map((e, i) => ({ key: `k${i}`, value: encode(EVENT_V1, v1, e), headers: { h: `v${i}` } })),
        later,
        {
          format: {
            value: 'avro',
            key: 'string',
            schemaRegistry: { url: process.env.FLOE_SCHEMA_REGISTRY_URL as string },
          },
        },
        { decoder: createValueDecoder('avro', registry), registry },
      );
      const rejected = 5;
      expect(native).toEqual(portable);
      expect(native).toHaveLength(produced - rejected);
      expect(dlqCounts).toEqual({ native: rejected, portable: rejected });
      expect(native[0]).toMatchObject({
        id: 'i:1',
        price: 'd:-123e-2',
        day: 'date:20417',
        note: 'Zoë 🧊',
        lines: [
          { sku: 'a', qty: 'i:2' },
          { sku: 'b', qty: null },
        ],
        first: { sku: 'x', qty: 'i:-1' },
      });
      expect(native[1]).toMatchObject({ note: null, lines: [], when: null });
      expect(native[2]).toMatchObject({ id: 'i:4', added: 'new' });
      expect(native[3]).toMatchObject({ id: null, _kafka: { key: 'g' } });
    },
  );
});

function offsetOf(row: Record<string, unknown>): number {
  return Number(String((row._kafka as { offset: string }).offset).slice(2));
}

/** pyiceberg's tag of a double: its IEEE bytes, little-endian, in hex. */
function floatTag(value: number): string {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return `f:${bytes.toString('hex')}`;
}
