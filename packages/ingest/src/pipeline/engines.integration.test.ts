import { scanWithPyiceberg } from '@floe/iceberg/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { SchemalessJsonDecoder } from '../decode/schemaless-json';
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
import { type OpenedPipeline, openPipeline } from './open-pipeline';

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
const first = [
  '{"id":1,"big":9007199254740993,"amount":1.5,"s":"h\\u00e9llo \\u0000\\t\\"\\u00fc😀","tags":["a","b"],"nested":{"a":1,"b":[{"x":"y"}]},"ts":"2026-11-25T09:30:00.123456Z","epoch":1764063000123}',
  '{"id":2,"big":9223372036854775807,"amount":-0.0,"s":"","tags":[],"nested":{"a":null,"b":[]},"ts":"2026-11-25T10:30:00+02:00","epoch":0}',
  '{"id":3,"big":-9223372036854775808,"amount":null,"s":null,"tags":null,"nested":null}',
  '{"id":4,"tags":[null,"z"],"nested":{"b":[{"x":null},{}]}}',
];
const later = [
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

describe('the native and portable engines write the same table', () => {
  it.skipIf(!status.available)(
    'reads back equal rows, every value as produced, and dead-letters the same records',
    { timeout: 240_000 },
    async () => {
      await catalog.createNamespace([namespace]);
      const topic = uniqueName('engines').replace('_', '-');
      await createTopic(kafka, topic, 1);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic,
        messages: first.map((value, i) => ({ key: `k${i}`, value, headers: { h: `v${i}` } })),
      });
      const produced = first.length + later.length;
      const dlqCounts: Record<string, number> = {};
      const specs = (['native', 'portable'] as const).map((engine) => {
        const dlq = `${topic}-${engine}-dlq`;
        return {
          dlq,
          spec: testSpec([topic], namespace, engine, {
            engine,
            mapping: {
              kafkaMetadata: true,
              rename: {},
              timestamps: [
                { field: 'ts', format: 'iso8601' },
                { field: 'epoch', format: 'epoch-ms' },
              ],
            },
            deadLetter: { policy: 'dlq', topic: dlq },
          }),
        };
      });
      for (const { dlq, spec } of specs) {
        await createTopic(kafka, dlq, 1);
        const chosen: string[] = [];
        const pipeline = await openPipeline(spec, {
          decoder: new SchemalessJsonDecoder(),
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
        await waitForCommitted(catalog, namespace, [spec.engine], spec.id, first.length);
        expect(chosen).toEqual([spec.engine]);
      }
      await producer.send({
        topic,
        messages: later.map((value, i) => ({ key: i % 2 === 0 ? null : `l${i}`, value })),
      });
      await producer.disconnect();
      for (const { spec } of specs)
        await waitForCommitted(catalog, namespace, [spec.engine], spec.id, produced);
      const [native, portable] = await Promise.all(
        ['native', 'portable'].map(async (t) => (await scanWithPyiceberg([namespace], t)).rows),
      );
      const byOffset = (rows: Record<string, unknown>[]) =>
        [...rows].sort((a, b) => offsetOf(a) - offsetOf(b));
      expect(byOffset(native as Record<string, unknown>[])).toEqual(
        byOffset(portable as Record<string, unknown>[]),
      );
      expect(native).toHaveLength(produced - rejectedCount);
      expect(dlqCounts).toEqual({ native: rejectedCount, portable: rejectedCount });

      const rows = byOffset(native as Record<string, unknown>[]);
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
