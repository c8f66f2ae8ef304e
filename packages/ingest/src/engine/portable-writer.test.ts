import {
  type NestedField,
  newSchema,
  optional,
  PartitionSpecBuilder,
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
import { RecordRejectedError } from '../decode/decoded';
import { SchemalessJsonDecoder } from '../decode/schemaless-json';
import { fitRecord, type SchemaPolicy } from '../fit/fit-record';
import { RecordMapper } from '../mapping/map-record';
import { listBatch, type RawRecord, type TableWriterConfig, type WrittenDataFile } from './engine';
import { packBatch } from './packed-batch';
import { PortableTableWriter } from './portable-writer';
import { recordReader } from './read-record';

/**
 * The portable engine's short way for schemaless JSON (JsonRowReader) against its reference way
 * (decode, map, fit), record by record: the same outcome for every record of a corpus of awkward
 * values and names, and the same Parquet bytes and metrics at the end.
 */

const fields: NestedField[] = [
  required('id', T.long),
  optional('big', T.decimal(38, 0)),
  optional('small', T.int),
  optional('amount', T.double),
  optional('price', T.decimal(10, 2)),
  optional('ratio', T.float),
  optional('flag', T.boolean),
  optional('name', T.string),
  optional('ts', T.timestamptz),
  optional('epoch', T.timestamptz),
  optional(
    'nested',
    T.struct([optional('a', T.long), optional('inner', T.struct([optional('c', T.double)]))]),
  ),
  optional('tags', T.list(T.string)),
  optional('items', T.list(T.struct([optional('sku', T.string), optional('qty', T.long)]))),
  optional(
    '_kafka',
    T.struct([
      required('topic', T.string),
      required('partition', T.int),
      required('offset', T.long),
      required('timestamp', T.timestamptz),
      optional('key', T.string),
      optional('headers', T.list(T.struct([required('key', T.string), optional('value', T.binary)]), true)),
    ]),
  ),
];
const schema: Schema = newSchema(fields);

const mapping: PipelineSpec['mapping'] = {
  kafkaMetadata: true,
  rename: { userName: 'name', alias: 'name', kafka: '_kafka' },
  timestamps: [
    { field: 'ts', format: 'iso8601' },
    { field: 'epoch', format: 'epoch-ms' },
  ],
};

const values = [
  '{"id":1,"big":12,"small":3,"amount":1.5,"price":12,"flag":true,"userName":"ann","ts":"2026-11-25T09:30:00.123456Z","epoch":1764063000123}',
  '{"id":9007199254740993,"big":-9223372036854775808}',
  '{"id":9223372036854775808}',
  '{"id":2,"big":1234567890123456789012345678901234567890}',
  '{"id":-0,"amount":-0.0,"ratio":-0.0}',
  '{"id":1.0,"small":2.0}',
  '{"id":1.5}',
  '{"id":1e3,"small":-7e0}',
  '{"id":4,"small":3000000000}',
  '{"id":"123"}',
  '{"id":5,"name":123}',
  '{"id":5,"userName":"h\\u00e9llo \\u0000 🎉 \\ud83c\\udf89","alias":null}',
  '{"id":5,"userName":"a","alias":"b"}',
  '{"id":5,"name":"a","userName":"b"}',
  '{"id":6,"userName":"","name":null}',
  '{"id":7}',
  '{}',
  '{"id":null}',
  '{"id":8,"nested":{"a":1,"inner":{"c":2}}}',
  '{"id":8,"nested":{}}',
  '{"id":8,"nested":{"inner":{}}}',
  '{"id":8,"nested":{"a":1.5}}',
  '{"id":8,"nested":{"a":2,"extra":1}}',
  '{"id":8,"nested":"text"}',
  '{"id":9,"items":[{"sku":"a","qty":1},{"sku":"b"},null,{"qty":2.0}]}',
  '{"id":9,"items":[{"sku":"a","qty":1.0},{"qty":2.5}]}',
  '{"id":9,"items":[]}',
  '{"id":10,"tags":["a",null,"b",""]}',
  '{"id":10,"tags":[]}',
  '{"id":10,"tags":[null]}',
  '{"id":10,"tags":["a",1]}',
  '{"id":10,"tags":"a"}',
  '{"id":12,"ts":"2026-11-25T15:00:00+05:30"}',
  '{"id":12,"ts":"2026-11-25T09:30:00"}',
  '{"id":12,"ts":1764063000}',
  '{"id":12,"ts":null}',
  '{"id":12,"ts":[]}',
  '{"id":13,"epoch":1.5}',
  '{"id":13,"epoch":1764063000000.0}',
  '{"id":14,"amount":1e400}',
  '{"id":15,"price":123456789}',
  '{"id":15,"price":1.5}',
  '{"id":16,"ratio":0.1}',
  '{"id":17,"extra":1,"more":{"x":[1]}}',
  '{"id":17,"extra":null,"empty":[],"obj":{}}',
  '{"id":17,"extra":12345678901234567890123456789012345678901}',
  '{"id":18,"_kafka":1}',
  '{"id":18,"_kafka":null}',
  '{"id":18,"kafka":{}}',
  '{"id":19,"constructor":"x"}',
  '{"id":19,"toString":"x"}',
  '{"id":19,"__proto__":{"a":1}}',
  '{"id":1,"id":2}',
  '{"id":1,}',
  '[1]',
  ' {"id":20} ',
  '\ufeff{"id":20}',
  // Plain values, which the short way reads from the bytes (json-bytes.ts), and near misses.
  '{"id":123456789012345,"amount":0.1,"flag":false,"name":"plain ascii"}',
  '{"id":1234567890123456,"amount":123456789012.345}',
  '{"id":-42,"amount":-0.000001,"name":"héllo wörld 😀 \u007f"}',
  '{ "id" : 7 , "amount" : 3.14159265358979 ,\n\t"flag" : true }',
  '{"id":8,"amount":0.30000000000000004}',
  '{"id":9,"amount":12.50,"name":null,"flag":null}',
  '{"id":9,"amount":-0.0,"name":""}',
  '{"id":10,"amount":1.}',
  '{"id":01}',
  '{"id":-}',
  '{"id":10,"amount":.5}',
  '{"id":11,"amount":5}',
  '{"id":12,"flag":"true"}',
  '{"id":13,"name":"tab\there"}',
  '{"id":14,"flag":tru}',
  '{"id":15} x',
  '{"id":16,"name":"unterminated}',
  '{"id":17}}',
  '{"amount":2.5,"id":18,"userName":"renamed"}',
];

/** Values whose bytes are not all UTF-8 (or are, in four-byte form), around a string member. */
const rawValues = [
  [0xc3, 0x28],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf0, 0x9f, 0x98, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
].map((bytes) => Buffer.concat([Buffer.from('{"id":30,"name":"a'), Buffer.from(bytes), Buffer.from('"}')]));

function records(): RawRecord[] {
  const out: RawRecord[] = values.map((v, i) => ({
    offset: BigInt(i) + 10_000_000_000n,
    timestampMs: 1_764_063_000_000n + BigInt(i),
    key: i % 7 === 0 ? null : Buffer.from(`key-${i}`),
    value: Buffer.from(v),
    headers: i % 5 === 0 ? [{ key: 'h', value: Buffer.from('v') }] : [],
  }));
  for (const value of rawValues) {
    out.push({ offset: BigInt(out.length), timestampMs: 0n, key: null, value, headers: [] });
  }
  out.push({
    offset: 1n,
    timestampMs: 0n,
    key: Buffer.from([0xff]),
    value: Buffer.from('{"id":21}'),
    headers: [],
  });
  out.push({ offset: 2n, timestampMs: 0n, key: null, value: null, headers: [] });
  return out;
}

function writer(config: TableWriterConfig, short: boolean): PortableTableWriter {
  const mapper = new RecordMapper(config.mapping, config.keyFormat);
  return new PortableTableWriter(
    config,
    recordReader(new SchemalessJsonDecoder(), mapper),
    short ? mapper : undefined,
  );
}

/** Each record taken on its own: held, rejected (reason and message) or asking for a change; then the files. */
async function run(config: TableWriterConfig, short: boolean, packed = false) {
  const w = writer(config, short);
  const outcomes: string[] = [];
  for (const record of records()) {
    const batch = listBatch('events', 3, [record]);
    const took = await w.take('events:3', packed ? packBatch(batch) : batch, 0);
    const rejected = took.rejected[0];
    outcomes.push(
      took.needsSchemaChange ? 'change' : rejected ? `${rejected.reason}: ${rejected.message}` : 'held',
    );
  }
  const files = await w.flush();
  const show = (f: WrittenDataFile) => ({
    partition: f.partition,
    bytes: Buffer.from(f.bytes).toString('base64'),
    metrics: f.metrics,
  });
  return { outcomes, files: files.map(show) };
}

function configFor(policy: SchemaPolicy, select?: string[]): TableWriterConfig {
  return {
    schema,
    spec: UNPARTITIONED,
    policy,
    mapping: { ...mapping, ...(select && { select }) },
    keyFormat: 'string',
    compression: 'zstd',
    maxValueBytes: 1 << 20,
  };
}

/** The rows decode, map and fit give, record by record, as plain row objects. */
async function referenceRows(config: TableWriterConfig): Promise<Row[]> {
  const mapper = new RecordMapper(config.mapping, config.keyFormat);
  const read = recordReader(new SchemalessJsonDecoder(), mapper);
  const rows: Row[] = [];
  for (const record of records()) {
    try {
      const fit = fitRecord(
        { type: 'struct', fields: config.schema.fields },
        await read({ topic: 'events', partition: 3, ...record }),
        config.policy,
      );
      if ('row' in fit) rows.push(fit.row);
    } catch (error) {
      if (!(error instanceof RecordRejectedError)) throw error;
    }
  }
  return rows;
}

describe('the portable engine reads schemaless JSON the short way as the reference way does', () => {
  it('writes the file rowsToArrow writes of the rows decode, map and fit give', async () => {
    const config = configFor('ignore-new-fields');
    const expected = await writeParquetFile(schema, [rowsToArrow(schema, await referenceRows(config))]);
    const [file] = (await run(config, true)).files;
    expect(file?.bytes).toBe(Buffer.from(expected.bytes).toString('base64'));
  });

  it('holds rows per Kafka partition and writes them together', async () => {
    const w = writer(configFor('ignore-new-fields'), true);
    const all = records().filter((r) => r.value !== null);
    await w.take('events:3', listBatch('events', 3, all.slice(0, 20)), 0);
    await w.take('events:4', listBatch('events', 4, all.slice(20)), 0);
    const held = w.bufferedRows;
    w.drop(['events:4']);
    expect(w.bufferedRows).toBeLessThan(held);
    await w.take('events:5', listBatch('events', 5, all.slice(20)), 0);
    expect(w.bufferedRows).toBe(held);
    const files = await w.flush();
    expect(files.map((f) => Number(f.metrics.recordCount))).toEqual([held]);
    expect(w.bufferedRows).toBe(0);
  });

  for (const policy of ['strict', 'evolve', 'ignore-new-fields'] as const) {
    it(`every record the same: held, rejected, or asking for a change (${policy})`, async () => {
      const expected = await run(configFor(policy), false);
      expect(expected.outcomes.filter((o) => o === 'held').length).toBeGreaterThan(20);
      expect(await run(configFor(policy), true)).toEqual(expected);
    });
  }

  for (const policy of ['strict', 'evolve', 'ignore-new-fields'] as const) {
    it(`every record the same when read where it lies in fetched batches (${policy})`, async () => {
      expect(await run(configFor(policy), true, true)).toEqual(await run(configFor(policy), false));
    });
  }

  it('with a selection of fields', async () => {
    const config = configFor('strict', ['id', 'userName', 'ts', 'tags', 'extra']);
    expect(await run(config, true)).toEqual(await run(config, false));
  });

  it('into partitions', async () => {
    const spec = new PartitionSpecBuilder(schema).day('ts').bucket('id', 4).build();
    const config = { ...configFor('evolve'), spec };
    const expected = await run(config, false);
    expect(expected.files.length).toBeGreaterThan(1);
    expect(await run(config, true)).toEqual(expected);
  });

  it('with a column named as a member of every object (the short way is off)', async () => {
    const config = {
      ...configFor('strict'),
      schema: newSchema([...fields, optional('constructor', T.string)]),
    };
    expect(await run(config, true)).toEqual(await run(config, false));
  });

  it('with a _kafka column of another shape than the metadata', async () => {
    const partial = T.struct([required('topic', T.string), optional('offset', T.long)]);
    const other = newSchema(fields.map((f) => (f.name === '_kafka' ? optional('_kafka', partial) : f)));
    for (const policy of ['evolve', 'ignore-new-fields'] as const) {
      const config = { ...configFor(policy), schema: other };
      expect(await run(config, true)).toEqual(await run(config, false));
    }
  });

  it('without a _kafka column', async () => {
    const noKafka = newSchema(fields.filter((f) => f.name !== '_kafka'));
    for (const policy of ['evolve', 'ignore-new-fields'] as const) {
      const config = { ...configFor(policy), schema: noKafka };
      expect(await run(config, true)).toEqual(await run(config, false));
    }
  });
});
