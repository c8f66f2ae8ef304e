import {
  type NestedField,
  newSchema,
  optional,
  type PartitionSpec,
  PartitionSpecBuilder,
  partitionRows,
  type Row,
  required,
  rowsToArrow,
  type Schema,
  T,
  UNPARTITIONED,
  writeParquetFile,
} from '@floe/iceberg';
import type { PipelineSpec } from '@floe/protocol';
import { describe, expect, it } from 'vitest';
import { createValueDecoder } from '../decode/create-decoder';
import type { SchemaPolicy } from '../fit/fit-record';
import { type Outcome, takeOutcome, tsRecord } from '../testing/engine-outcomes';
import { metricsOf, readBack } from '../testing/parquet-rows';
import { listBatch, type RawRecord, type TableWriterConfig, type WrittenDataFile } from './engine';
import { nativeEngineStatus } from './native-module';
import { createNativeTableWriter, nativeSupport } from './native-writer';

/**
 * The native engine against the TypeScript path, record by record: the same outcome (held, rejected
 * with the same reason, or needing a schema change) for every record of a corpus of tricky values, the
 * same rows read back from the Parquet files, and the same Iceberg metrics as the TS writer's.
 */

const status = nativeEngineStatus();
if (!status.available) console.log(`native-writer.integration.test: skipped: ${status.reason}`);

const MAX_VALUE_BYTES = 4096;

const mapping: PipelineSpec['mapping'] = {
  kafkaMetadata: true,
  rename: { userName: 'name' },
  timestamps: [
    { field: 'ts', format: 'iso8601' },
    { field: 'epoch', format: 'epoch-ms' },
  ],
};

function kafkaType() {
  return T.struct([
    required('topic', T.string),
    required('partition', T.int),
    required('offset', T.long),
    required('timestamp', T.timestamptz),
    optional('key', T.string),
    optional('headers', T.list(T.struct([required('key', T.string), optional('value', T.binary)]), true)),
  ]);
}

const fields: NestedField[] = [
  required('id', T.long),
  optional('big', T.decimal(38, 0)),
  optional('small', T.int),
  optional('amount', T.double),
  optional('price', T.decimal(10, 2)),
  optional('ratio', T.float),
  optional('flag', T.boolean),
  optional('name', T.string),
  optional('note', T.string),
  optional('ts', T.timestamptz),
  optional('epoch', T.timestamptz),
  optional(
    'nested',
    T.struct([
      optional('a', T.long),
      optional('b', T.string),
      optional('inner', T.struct([optional('c', T.double)])),
    ]),
  ),
  optional('tags', T.list(T.string)),
  optional('scores', T.list(T.double)),
  optional('items', T.list(T.struct([optional('sku', T.string), optional('qty', T.long)]))),
  optional('_kafka', kafkaType()),
];
const schema: Schema = newSchema(fields);

interface Case {
  value: string | Buffer | null;
  key?: string | Buffer | null;
  headers?: { key: string; value: Buffer | null }[];
}

const long = 'x'.repeat(MAX_VALUE_BYTES);
const deep = `{"id":1,"nested":${'['.repeat(300)}${']'.repeat(300)}}`;

/** The corpus: each value rule of the issue, valid and invalid. */
const corpus: Case[] = [
  {
    value:
      '{"id":1,"big":12,"small":3,"amount":1.5,"price":12,"flag":true,"userName":"ann","ts":"2026-11-25T09:30:00.123456Z","epoch":1764063000123}',
    key: 'k1',
    headers: [
      { key: 'h', value: Buffer.from('v') },
      { key: 'n', value: null },
    ],
  },
  { value: '{"id":9007199254740993}' },
  { value: '{"id":9223372036854775807,"big":-9223372036854775808}' },
  { value: '{"id":-9223372036854775808}' },
  { value: '{"id":9223372036854775808}' },
  { value: '{"id":2,"big":123456789012345678901234567890123456}' },
  { value: '{"id":2,"big":1234567890123456789012345678901234567890}' },
  { value: '{"id":-0,"amount":-0.0}' },
  { value: '{"id":3,"amount":0.0,"ratio":-0.0}' },
  { value: '{"id":1.0,"small":2.0}' },
  { value: '{"id":1.5}' },
  { value: '{"id":1e3,"small":-7e0}' },
  { value: '{"id":4,"small":3000000000}' },
  { value: '{"id":4,"small":1.5}' },
  { value: '{"id":"123"}' },
  { value: '{"id":5,"name":123}' },
  {
    value:
      '{"id":5,"userName":"h\\u00e9llo \\u0000 \\n \\t 🎉 \\ud83c\\udf89 \\u2028","note":"\\"quoted\\" \\\\ back"}',
  },
  { value: '{"id":6,"userName":"","note":null}' },
  { value: '{"id":7}' },
  { value: '{"id":8,"nested":{"a":1,"b":"x","inner":{"c":2}}}' },
  { value: '{"id":8,"nested":{}}' },
  { value: '{"id":8,"nested":{"inner":{}}}' },
  { value: '{"id":8,"nested":{"a":1.5}}' },
  { value: '{"id":8,"nested":{"a":2,"extra":1}}' },
  { value: '{"id":8,"nested":"text"}' },
  { value: '{"id":9,"items":[{"sku":"a","qty":1},{"sku":"b"},null,{"qty":2.0}]}' },
  { value: '{"id":9,"items":[{"sku":"a","qty":1.0},{"qty":2.5}]}' },
  { value: '{"id":9,"items":[{"sku":"a","extra":true}]}' },
  { value: '{"id":10,"tags":["a",null,"b",""]}' },
  { value: '{"id":10,"tags":["a",1]}' },
  { value: '{"id":10,"tags":null}' },
  { value: '{"id":10,"tags":"a"}' },
  { value: '{"id":11,"scores":[1,2.5,-0.0,1e300]}' },
  { value: '{"id":11,"scores":[9007199254740993,2.5]}' },
  { value: '{"id":11,"scores":[1,2,3]}' },
  { value: '{"id":11,"scores":[12345678901234567890123,1]}' },
  { value: '{"id":12,"ts":"2026-11-25T15:00:00+05:30"}' },
  { value: '{"id":12,"ts":"2026-11-25T09:30:00"}' },
  { value: '{"id":12,"ts":"2026-02-30T00:00:00Z"}' },
  { value: '{"id":12,"ts":1764063000}' },
  { value: '{"id":12,"ts":null}' },
  { value: '{"id":13,"epoch":1.5}' },
  { value: '{"id":13,"epoch":1764063000000.0}' },
  { value: '{"id":13,"epoch":"yesterday"}' },
  { value: null },
  { value: '{"id":1,}' },
  { value: '{"id":1,"id":2}' },
  { value: '{"id":1,"name":"\\ud800"}' },
  { value: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) },
  { value: '[1]' },
  { value: '"text"' },
  { value: deep },
  { value: `{"id":1,"name":"${long}"}` },
  { value: '\ufeff{"id":14}' },
  { value: ' {"id":14} ' },
  { value: '{"id":14,"amount":1e400}' },
  { value: '{"id":15,"price":12}' },
  { value: '{"id":15,"price":123456789}' },
  { value: '{"id":15,"price":1.5}' },
  { value: '{"id":15,"price":12345678901234567890}' },
  { value: '{"id":16,"ratio":1.5}' },
  { value: '{"id":16,"ratio":0.1}' },
  { value: '{"id":16,"ratio":16777217}' },
  { value: '{"id":17,"extra":1,"more":{"x":[1]}}' },
  { value: '{"id":17,"extra":null}' },
  { value: '{"id":18,"_kafka":1}' },
  { value: '{"id":19,"flag":"true"}' },
  { value: '{"id":19,"flag":false,"amount":123456789012345678}' },
  { value: '{"id":20}', key: null },
  { value: '{"id":20}', key: Buffer.from([0xff, 0xfe]) },
  { value: '{"id":20}', key: '\ufeffbom key' },
  { value: '{"id":21,"name":"a","userName":"b"}' },
];

function raw(c: Case, offset: number): RawRecord {
  const key = c.key === undefined ? 'key' : c.key;
  return {
    offset: BigInt(offset) + 10_000_000_000n,
    timestampMs: 1_764_063_000_000n + BigInt(offset),
    key: key === null ? null : Buffer.isBuffer(key) ? key : Buffer.from(key),
    value: c.value === null ? null : Buffer.isBuffer(c.value) ? c.value : Buffer.from(c.value),
    headers: c.headers ?? [],
  };
}

const decoder = createValueDecoder('json', undefined, { maxValueBytes: MAX_VALUE_BYTES });

/** The TypeScript path for one record of topic events, partition 3. */
const tsEvent = (config: TableWriterConfig, record: RawRecord) =>
  tsRecord(decoder, config, { topic: 'events', partition: 3, ...record });

function configFor(policy: SchemaPolicy, spec: PartitionSpec = UNPARTITIONED): TableWriterConfig {
  return {
    schema,
    spec,
    policy,
    mapping,
    keyFormat: 'string',
    compression: 'zstd',
    maxValueBytes: MAX_VALUE_BYTES,
  };
}

/** Runs the corpus through both paths, one record per take; returns what each held. */
async function runBoth(config: TableWriterConfig, cases: readonly Case[]) {
  const writer = createNativeTableWriter(config);
  const tsRows: Row[] = [];
  const outcomes: { index: number; ts: Outcome; native: Outcome }[] = [];
  for (const [index, c] of cases.entries()) {
    const record = raw(c, index);
    const ts = await tsEvent(config, record);
    if (ts.row !== undefined) tsRows.push(ts.row);
    const native = takeOutcome(await writer.take('events:3', listBatch('events', 3, [record]), 0));
    outcomes.push({ index, ts: ts.outcome, native });
  }
  return { writer, tsRows, outcomes };
}

describe.skipIf(!status.available)('the native engine equals the TypeScript path', () => {
  for (const policy of ['strict', 'evolve', 'ignore-new-fields'] as const) {
    it(`holds, rejects and asks for schema changes as the TS path does (${policy})`, async () => {
      const { writer, tsRows, outcomes } = await runBoth(configFor(policy), corpus);
      const outcome = (o: Outcome) =>
        'reason' in o ? `rejected ${o.reason}` : 'held' in o ? 'held' : 'change';
      expect(outcomes.map((o) => `${o.index}: ${outcome(o.native)}`)).toEqual(
        outcomes.map((o) => `${o.index}: ${outcome(o.ts)}`),
      );
      expect(outcomes.map((o) => ('message' in o.native ? o.native.message : ''))).toEqual(
        outcomes.map((o) => ('message' in o.ts ? o.ts.message : '')),
      );
      expect(writer.bufferedRows).toBe(tsRows.length);
      const files = await writer.flush(128 * 1024 * 1024);
      expect(files).toHaveLength(1);
      const file = files[0] as WrittenDataFile;
      expect(file.schemaId).toBe(schema.schemaId);
      const written = await writeParquetFile(schema, [rowsToArrow(schema, tsRows)]);
      expect(readBack(file.bytes)).toEqual(readBack(written.bytes));
      expect(metricsOf(file)).toEqual(metricsOf(written));
      expect(writer.bufferedRows).toBe(0);
    });
  }

  it('takes a whole batch at once, leaving nothing of a rejected record, and stops at a record that needs a change', async () => {
    const config = configFor('evolve');
    const writer = createNativeTableWriter(config);
    const records = corpus.map(raw);
    const batch = listBatch('events', 3, records);
    const expected: Outcome[] = [];
    for (const r of records) expected.push((await tsEvent(config, r)).outcome);
    const firstChange = expected.findIndex((o) => 'change' in o);
    const took = await writer.take('events:3', batch, 0);
    expect(took.needsSchemaChange).toBe(true);
    expect(took.taken).toBe(firstChange);
    const rejectedBefore = expected.flatMap((o, index) =>
      index < firstChange && 'reason' in o ? [index] : [],
    );
    expect(took.rejected.map((r) => r.index)).toEqual(rejectedBefore);
    expect(writer.bufferedRows).toBe(firstChange - rejectedBefore.length);
    // Taking on from the record after it (as if the change had been made) goes on where it stopped.
    const rest = await writer.take('events:3', batch, firstChange + 1);
    expect(rest.taken).toBeGreaterThan(firstChange);
    writer.drop(['events:3']);
    expect(writer.bufferedRows).toBe(0);
  });

  it('stores an empty JSON array as an empty list, not a null', async () => {
    const writer = createNativeTableWriter(configFor('strict'));
    const records = ['{"id":1,"tags":[]}', '{"id":2,"tags":[null]}', '{"id":3,"items":[]}', '{"id":4}'].map(
      (v, i) => raw({ value: v }, i),
    );
    const took = await writer.take('events:3', listBatch('events', 3, records), 0);
    expect(took.rejected).toEqual([]);
    const [file] = await writer.flush(1 << 30);
    const rows = readBack((file as WrittenDataFile).bytes) as { tags: unknown; items: unknown }[];
    expect(rows.map((r) => [r.tags, r.items])).toEqual([
      [[], null],
      [[null], null],
      [null, []],
      [null, null],
    ]);
  });

  it('keeps rows of an older schema in files of their own, and splits rows by partition as the TS path does', async () => {
    const spec = new PartitionSpecBuilder(schema)
      .day('ts')
      .bucket('id', 4)
      .truncate('name', 2)
      .identity('flag')
      .build();
    const config = configFor('ignore-new-fields', spec);
    expect(nativeSupport(config)).toBeUndefined();
    const cases: Case[] = [
      { value: '{"id":1,"ts":"2026-11-25T09:30:00Z","userName":"anna","flag":true}' },
      { value: '{"id":2,"ts":"2026-11-25T23:59:59.999999Z","userName":"andy","flag":true}' },
      { value: '{"id":3,"ts":"1969-12-31T23:59:59.999999Z","userName":"bo"}' },
      { value: '{"id":4,"userName":"ñandú","flag":false}' },
      { value: '{"id":-5,"ts":"2026-11-26T00:00:00Z","flag":false}' },
      { value: '{"id":9223372036854775807,"ts":"2026-11-25T09:30:00Z","userName":"anna","flag":true}' },
    ];
    const { writer, tsRows } = await runBoth(config, cases);
    const files = await writer.flush(1 << 30);
    const groups = partitionRows(schema, spec, tsRows);
    const show = (v: unknown) => (typeof v === 'bigint' ? `${v}n` : JSON.stringify(v));
    const native = files.map((f) => [f.partition.map(show).join('/'), readBack(f.bytes)]);
    const expected = await Promise.all(
      groups.map(async (g) => [
        g.partition.map(show).join('/'),
        readBack((await writeParquetFile(schema, [rowsToArrow(schema, g.rows)])).bytes),
      ]),
    );
    const byKey = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(native.sort(byKey)).toEqual(expected.sort(byKey));

    // A new schema: rows held keep the old one, in a file of its own.
    const unpartitioned = createNativeTableWriter(configFor('ignore-new-fields'));
    const take = (v: string) =>
      unpartitioned.take('events:3', listBatch('events', 3, [raw({ value: v }, 0)]), 0);
    take('{"id":1}');
    const next: Schema = {
      ...schema,
      schemaId: 1,
      fields: [...schema.fields, { id: 100, name: 'added', required: false, type: T.string }],
    };
    unpartitioned.setSchema(next);
    take('{"id":2,"added":"x"}');
    unpartitioned.take('events:4', listBatch('events', 4, [raw({ value: '{"id":3,"added":"y"}' }, 1)]), 0);
    const written = await unpartitioned.flush(1 << 30);
    expect(written.map((f) => [f.schemaId, Number(f.metrics.recordCount)]).sort()).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('cuts files near the target size', async () => {
    const writer = createNativeTableWriter(configFor('strict'));
    const records = Array.from({ length: 200_000 }, (_, i) =>
      raw({ value: `{"id":${i},"userName":"user-${(i * 7919) % 100_003}","amount":${i / 7}}` }, i),
    );
    writer.take('events:3', listBatch('events', 3, records), 0);
    const files = await writer.flush(512 * 1024);
    expect(files.length).toBeGreaterThan(1);
    expect(files.reduce((n, f) => n + Number(f.metrics.recordCount), 0)).toBe(200_000);
  });
});
