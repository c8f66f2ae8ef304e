import {
  bigintLong,
  type NestedField,
  newSchema,
  type Row,
  rowsToArrow,
  type Schema,
  UNPARTITIONED,
  type WrittenParquet,
  writeParquetFile,
} from '@floe/iceberg';
import type { PipelineSpec } from '@floe/protocol';
import avro from 'avsc';
import { beforeAll, describe, expect, it } from 'vitest';
import { createValueDecoder } from '../decode/create-decoder';
import { SchemaRegistry } from '../decode/registry';
import { writeWireHeader } from '../decode/wire-format';
import type { SchemaPolicy } from '../fit/fit-record';
import { RecordMapper } from '../mapping/map-record';
import { type Outcome, takeOutcome, tsRecord } from '../testing/engine-outcomes';
import { metricsOf, readBack } from '../testing/parquet-rows';
import { uniqueName } from '../testing/stack';
import { listBatch, type RawRecord, type TableWriterConfig } from './engine';
import { nativeEngineStatus } from './native-module';
import { createNativeTableWriter } from './native-writer';

/**
 * The native engine's Avro (registry wire format, schemas from the stack's registry) against the
 * TypeScript path (avsc through decode/avro.ts, map-record.ts, fit-record.ts), record by record: the
 * same outcome and message for every record of a corpus of awkward values and broken payloads, and the
 * same rows and metrics in the Parquet files.
 */

const status = nativeEngineStatus();
if (!status.available) console.log(`native-avro.integration.test: skipped: ${status.reason}`);

const registry = new SchemaRegistry({ url: process.env.FLOE_SCHEMA_REGISTRY_URL as string });
const MAX_VALUE_BYTES = 2048;

const mapping: PipelineSpec['mapping'] = {
  kafkaMetadata: true,
  rename: { note: 'memo' },
  timestamps: [
    { field: 'epoch', format: 'epoch-ms' },
    { field: 'iso', format: 'iso8601' },
  ],
};

const LINE = {
  type: 'record',
  name: 'Line',
  fields: [
    { name: 'sku', type: 'string' },
    { name: 'qty', type: ['null', 'int'] },
  ],
};

const ORDER = {
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    {
      name: 'amount',
      type: { type: 'fixed', name: 'Amount', size: 8, logicalType: 'decimal', precision: 18, scale: 4 },
    },
    { name: 'ref', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'ref16', type: { type: 'fixed', name: 'Ref', size: 16, logicalType: 'uuid' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'at_ms', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 'at_us', type: { type: 'long', logicalType: 'time-micros' } },
    { name: 'ts_ms', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'ts_us', type: ['null', { type: 'long', logicalType: 'timestamp-micros' }] },
    { name: 'ts_ns', type: { type: 'long', logicalType: 'timestamp-nanos' } },
    { name: 'local_ms', type: { type: 'long', logicalType: 'local-timestamp-millis' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'DONE'] } },
    { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 4 } },
    { name: 'raw', type: 'bytes' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'tail', type: ['string', 'null'] },
    { name: 'ratio', type: 'float' },
    { name: 'score', type: 'double' },
    { name: 'ok', type: 'boolean' },
    { name: 'epoch', type: ['null', 'long'] },
    { name: 'iso', type: ['null', 'string'] },
    { name: 'counts', type: { type: 'map', values: ['null', 'long'] } },
    { name: 'lines', type: { type: 'array', items: LINE } },
    { name: 'first', type: ['null', 'Line'] },
    { name: 'tags', type: { type: 'array', items: ['null', 'string'] } },
  ],
};

// Another writer's schema of the same table: narrower and wider values, a new field.
const OTHER = {
  type: 'record',
  name: 'Other',
  fields: [
    { name: 'id', type: 'int' },
    { name: 'ratio', type: 'double' },
    { name: 'score', type: 'long' },
    { name: 'day', type: ['null', 'int'] },
    { name: 'price', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 3 }] },
    { name: 'note', type: ['null', 'string'] },
    { name: 'added', type: ['null', 'string'] },
  ],
};

const MAP_OF_INTS = {
  type: 'record',
  name: 'M',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'counts', type: { type: 'map', values: 'int' } },
  ],
};
const TWO_TYPES = { type: 'record', name: 'U', fields: [{ name: 'v', type: ['null', 'string', 'long'] }] };
const SELF = {
  type: 'record',
  name: 'Node',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'next', type: ['null', 'Node'] },
  ],
};

const ENUM = {
  type: 'record',
  name: 'E',
  fields: [{ name: 's', type: { type: 'enum', name: 'Size', namespace: 'x', symbols: ['S', 'M'] } }],
};

const LONGS = {
  typeHook: (s: unknown) =>
    s === 'long' || (s as { type?: unknown }).type === 'long' ? bigintLong : undefined,
};

function encoder(schema: object) {
  return avro.Type.forSchema(schema as avro.Schema, LONGS as unknown as avro.ForSchemaOptions);
}

const order = (over: Record<string, unknown> = {}) => ({
  id: 1n,
  price: Buffer.from([0xff, 0x85]),
  amount: Buffer.from([0, 0, 0, 0, 0x49, 0x96, 0x02, 0xd2]),
  ref: '9b2f6c5e-1d1a-4c7e-9a51-0c0d8e7f6a5b',
  ref16: Buffer.alloc(16, 7),
  day: 20_782,
  at_ms: 45_296_789,
  at_us: 45_296_789_012n,
  ts_ms: 1_795_599_000_123n,
  ts_us: 1_795_599_000_123_456n,
  ts_ns: 1_795_599_000_123_456_789n,
  local_ms: -1n,
  status: 'DONE',
  hash: Buffer.from([1, 2, 3, 4]),
  raw: Buffer.from('\u0000bytes'),
  note: 'Zoë 🧊',
  tail: '',
  ratio: 0.5,
  score: -1e300,
  ok: true,
  epoch: 1_764_063_000_123n,
  iso: '2026-11-25T09:30:00.123456+02:00',
  counts: { a: 9_007_199_254_740_993n, b: null },
  lines: [
    { sku: 'a', qty: 2 },
    { sku: 'b', qty: null },
  ],
  first: { sku: 'x\u0000\n"', qty: -1 },
  tags: ['a', null, ''],
  ...over,
});

interface Case {
  value: Buffer | null;
  key?: Buffer | null;
}

const decoder = createValueDecoder('avro', registry, { maxValueBytes: MAX_VALUE_BYTES });

/** The TypeScript path for one record of topic orders, partition 0. */
const tsOrder = (config: TableWriterConfig, record: RawRecord) =>
  tsRecord(decoder, config, { topic: 'orders', partition: 0, ...record });

function raw(c: Case, offset: number): RawRecord {
  return {
    offset: BigInt(offset),
    timestampMs: 1_764_063_000_000n + BigInt(offset),
    key: c.key === undefined ? Buffer.from(`k${offset}`) : c.key,
    value: c.value,
    headers: offset % 3 === 0 ? [{ key: 'h', value: Buffer.from([offset]) }] : [],
  };
}

let schema: Schema;
let corpus: Case[];

beforeAll(async () => {
  if (!status.available) return;
  const subject = uniqueName('native-avro');
  const ids = {
    order: await registry.register(subject, { schema: JSON.stringify(ORDER) }),
    other: await registry.register(`${subject}-other`, { schema: JSON.stringify(OTHER) }),
    map: await registry.register(`${subject}-map`, { schema: JSON.stringify(MAP_OF_INTS) }),
    two: await registry.register(`${subject}-two`, { schema: JSON.stringify(TWO_TYPES) }),
    self: await registry.register(`${subject}-self`, { schema: JSON.stringify(SELF) }),
    enum: await registry.register(`${subject}-enum`, { schema: JSON.stringify(ENUM) }),
    json: await registry.register(`${subject}-json`, {
      schema: '{"type":"object","properties":{}}',
      schemaType: 'JSON',
    }),
  };
  const o = encoder(ORDER);
  const other = encoder(OTHER);
  const wire = (id: number, payload: Buffer) => writeWireHeader(id, payload);
  const good = wire(ids.order, o.toBuffer(order()));
  // The table as the TS path makes it from the first record (then every column but id optional, as
  // evolving would leave them), so that other schemas' records meet its columns.
  const first = await tsRecordType(good);
  schema = newSchema(first.map((f) => (f.name === 'id' ? f : { ...f, required: false })));
  const int = (n: number) => {
    const b: number[] = [];
    let z = (n << 1) ^ (n >> 31);
    while (z >= 0x80 || z < 0) {
      b.push((z & 0x7f) | 0x80);
      z >>>= 7;
    }
    b.push(z);
    return b;
  };
  const str = (s: string) => [...int(Buffer.byteLength(s)), ...Buffer.from(s)];
  corpus = [
    { value: good },
    {
      value: wire(
        ids.order,
        o.toBuffer(
          order({
            id: 2n ** 63n - 1n,
            ts_us: null,
            note: null,
            tail: null,
            ratio: Number.NaN,
            score: -0,
            epoch: null,
            iso: null,
            counts: {},
            lines: [],
            first: null,
            tags: [],
          }),
        ),
      ),
    },
    {
      value: wire(ids.order, o.toBuffer(order({ id: -(2n ** 63n), status: 'NEW', ok: false, score: 1e-7 }))),
    },
    { value: wire(ids.order, o.toBuffer(order({ ref: 'not-a-uuid' }))) },
    { value: wire(ids.order, o.toBuffer(order({ price: Buffer.from([0x3b, 0x9a, 0xca, 0x00, 0x00]) }))) },
    { value: wire(ids.order, o.toBuffer(order({ iso: '2026-11-25T09:30:00' }))) },
    { value: wire(ids.order, o.toBuffer(order({ iso: 'yesterday' }))) },
    { value: wire(ids.order, o.toBuffer(order({ note: '\u2028 \ud83c\udf89 \t', tail: 'x'.repeat(60) }))) },
    // A string that is not UTF-8 (the note's bytes patched).
    {
      value: Buffer.from(
        wire(ids.order, o.toBuffer(order({ note: 'abc' })))
          .toString('hex')
          .replace('06616263', '06ff6263'),
        'hex',
      ),
    },
    { value: good, key: Buffer.from([0xff, 0xfe]) },
    { value: good, key: null },
    { value: Buffer.concat([good, Buffer.from([0])]) },
    { value: good.subarray(0, good.length - 3) },
    {
      value: wire(
        ids.other,
        other.toBuffer({ id: 5, ratio: 0.5, score: 7n, day: 3, price: null, note: 'o', added: null }),
      ),
    },
    {
      value: wire(
        ids.other,
        other.toBuffer({ id: 6, ratio: 0.1, score: 7n, day: null, price: null, note: null, added: null }),
      ),
    },
    {
      value: wire(
        ids.other,
        other.toBuffer({
          id: 7,
          ratio: 1,
          score: 2n ** 53n + 1n,
          day: null,
          price: null,
          note: null,
          added: null,
        }),
      ),
    },
    {
      value: wire(
        ids.other,
        other.toBuffer({
          id: 8,
          ratio: 1,
          score: 1n,
          day: null,
          price: Buffer.from([0x30, 0x39]),
          note: null,
          added: null,
        }),
      ),
    },
    {
      value: wire(
        ids.other,
        other.toBuffer({
          id: 9,
          ratio: 1,
          score: 1n,
          day: null,
          price: Buffer.from([0x30, 0x3a]),
          note: null,
          added: null,
        }),
      ),
    },
    {
      value: wire(
        ids.other,
        other.toBuffer({ id: 10, ratio: 1, score: 1n, day: null, price: null, note: null, added: 'new' }),
      ),
    },
    // A map with a key twice and integer-like keys: a JavaScript object's order and last value.
    {
      value: wire(
        ids.map,
        Buffer.from([
          ...int(11),
          ...int(4),
          ...str('b'),
          ...int(1),
          ...str('2'),
          ...int(2),
          ...str('b'),
          ...int(3),
          ...str('10'),
          ...int(4),
          0,
        ]),
      ),
    },
    { value: wire(ids.map, Buffer.from([...int(12), ...int(-1), ...int(3), ...str('a'), ...int(1), 0])) },
    { value: wire(ids.two, Buffer.from([2, ...str('x')])) },
    { value: wire(ids.self, Buffer.from([2, 0])) },
    { value: wire(ids.json, Buffer.from('{}')) },
    { value: wire(2_000_000_001, Buffer.from([0])) },
    { value: wire(ids.map, Buffer.from([...int(13), ...int(1), ...str('a')])) },
    // A union's branch and an enum's symbol out of range.
    { value: wire(ids.other, Buffer.from([...int(1), ...Buffer.alloc(8), ...int(1), ...int(5)])) },
    { value: wire(ids.enum, Buffer.from(int(3))) },
    { value: null },
    { value: Buffer.alloc(0) },
    { value: Buffer.from([1, 0, 0, 0, 1, 0]) },
    { value: Buffer.from([0, 0, 0]) },
    { value: Buffer.concat([wire(ids.order, Buffer.alloc(0)), Buffer.alloc(MAX_VALUE_BYTES)]) },
    { value: wire(ids.order, Buffer.from([...int(1), ...int(1), 0xff])) },
  ];
});

async function tsRecordType(value: Buffer): Promise<NestedField[]> {
  const decoded = await decoder.decode(value);
  return [
    ...new RecordMapper(mapping, 'string').map(
      { topic: 'orders', partition: 0, offset: 0n, timestampMs: 0n, key: null, value, headers: [] },
      decoded,
    ).type.fields,
  ];
}

function configFor(policy: SchemaPolicy): TableWriterConfig {
  return {
    schema,
    spec: UNPARTITIONED,
    policy,
    mapping,
    keyFormat: 'string',
    compression: 'zstd',
    maxValueBytes: MAX_VALUE_BYTES,
  };
}

describe.skipIf(!status.available)('the native engine reads Avro as the TypeScript path does', () => {
  for (const policy of ['strict', 'evolve', 'ignore-new-fields'] as const) {
    it(`holds, rejects and asks for schema changes record for record, with equal rows (${policy})`, async () => {
      const config = configFor(policy);
      const writer = createNativeTableWriter(config, { format: 'avro', registry });
      const tsRows: Row[] = [];
      const outcomes: { index: number; ts: Outcome; native: Outcome }[] = [];
      for (const [index, c] of corpus.entries()) {
        const record = raw(c, index);
        const ts = await tsOrder(config, record);
        if (ts.row !== undefined) tsRows.push(ts.row);
        const native = takeOutcome(await writer.take('orders:0', listBatch('orders', 0, [record]), 0));
        outcomes.push({ index, ts: ts.outcome, native });
      }
      expect(outcomes.map((o) => `${o.index}: ${JSON.stringify(o.native)}`)).toEqual(
        outcomes.map((o) => `${o.index}: ${JSON.stringify(o.ts)}`),
      );
      expect(writer.bufferedRows).toBe(tsRows.length);
      const [file, ...more] = await writer.flush(1 << 30);
      expect(more).toEqual([]);
      const written = await writeParquetFile(schema, [rowsToArrow(schema, tsRows)]);
      expect(readBack((file as WrittenParquet).bytes)).toEqual(readBack(written.bytes));
      expect(metricsOf(file as WrittenParquet)).toEqual(metricsOf(written));
    });
  }

  it('takes a whole batch at once, fetching each schema once, and stops where a record needs a change', async () => {
    const config = configFor('evolve');
    const writer = createNativeTableWriter(config, { format: 'avro', registry });
    const records = corpus.map(raw);
    const expected: Outcome[] = [];
    for (const r of records) expected.push((await tsOrder(config, r)).outcome);
    const firstChange = expected.findIndex((o) => 'change' in o);
    const took = await writer.take('orders:0', listBatch('orders', 0, records), 0);
    expect(took.needsSchemaChange).toBe(true);
    expect(took.taken).toBe(firstChange);
    expect(took.rejected.map((r) => [r.index, r.reason])).toEqual(
      expected.flatMap((o, index) => (index < firstChange && 'reason' in o ? [[index, o.reason]] : [])),
    );
    // On from the record after it: every record is held or rejected as the TS path has it.
    const rest = await writer.take('orders:0', listBatch('orders', 0, records), firstChange + 1);
    expect(rest.rejected.map((r) => r.index).every((i) => 'reason' in (expected[i] as Outcome))).toBe(true);
  });
});
