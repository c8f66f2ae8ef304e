// µs per record for take (decode, map, fit, build columns) and flush (Parquet zstd + metrics), native
// engine vs the portable engine's writer, on 100k JSON records of ~400 bytes and 10 fields (+ _kafka).
// Run from the repo root: npx tsx packages/engine/bench/take-flush.bench.ts [records] [native] [nested] [avro]
// (`native`: the native engine only, five rounds, e.g. under perf; `nested`: each record also has a
// device object with an object inside and a list of two line-item objects, ~590 bytes; `avro`: the
// same flat records as Avro in the registry's wire format, the schema registered in the stack's
// registry at FLOE_SCHEMA_REGISTRY_URL, each engine reading it through the registry)
import { randomBytes } from 'node:crypto';
import { newSchema, optional, T, UNPARTITIONED } from '@floe/iceberg';
import { createValueDecoder } from '../../ingest/src/decode/create-decoder';
import { SchemaRegistry } from '../../ingest/src/decode/registry';
import { SchemalessJsonDecoder } from '../../ingest/src/decode/schemaless-json';
import { writeWireHeader } from '../../ingest/src/decode/wire-format';
import {
  listBatch,
  type RawBatch,
  type RawRecord,
  type TableWriter,
  type TableWriterConfig,
} from '../../ingest/src/engine/engine';
import { nativeEngineStatus } from '../../ingest/src/engine/native-module';
import { createNativeTableWriter } from '../../ingest/src/engine/native-writer';
import { PortableTableWriter } from '../../ingest/src/engine/portable-writer';
import { recordReader } from '../../ingest/src/engine/read-record';
import { RecordMapper } from '../../ingest/src/mapping/map-record';

const N = Number(process.argv[2] ?? 100_000);
const BATCH = 500;
const NATIVE_ONLY = process.argv.includes('native');
const NESTED = process.argv.includes('nested');
const AVRO = process.argv.includes('avro');
if (AVRO && NESTED) throw new Error('the avro records are the flat ones');
const registry = AVRO
  ? new SchemaRegistry({ url: process.env.FLOE_SCHEMA_REGISTRY_URL as string })
  : undefined;

// The flat record as Avro: `at` a timestamp-micros (no mapping needed), longs as bigint.
const AVRO_SCHEMA = {
  type: 'record',
  name: 'Event',
  fields: [
    { name: 'event_id', type: 'string' },
    { name: 'user_id', type: 'long' },
    { name: 'session', type: 'string' },
    { name: 'kind', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'quantity', type: 'long' },
    { name: 'country', type: 'string' },
    { name: 'ok', type: 'boolean' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'note', type: ['null', 'string'] },
  ],
};
/** Avro's binary encoding of the bench's flat record (zigzag varints, little-endian doubles). */
function encodeAvro(v: Record<string, unknown>): Buffer {
  const out: number[] = [];
  const long = (n: bigint) => {
    let z = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
    while (z >= 0x80n) {
      out.push(Number(z & 0x7fn) | 0x80);
      z >>= 7n;
    }
    out.push(Number(z));
  };
  const string = (text: string) => {
    const bytes = Buffer.from(text);
    long(BigInt(bytes.length));
    out.push(...bytes);
  };
  for (const field of AVRO_SCHEMA.fields) {
    const value = v[field.name];
    if (field.name === 'note') {
      long(1n); // the string branch of ["null", "string"]
      string(value as string);
    } else if (field.type === 'string') string(value as string);
    else if (field.type === 'double') {
      const bytes = Buffer.alloc(8);
      bytes.writeDoubleLE(value as number);
      out.push(...bytes);
    } else if (field.type === 'boolean') out.push(value ? 1 : 0);
    else long(value as bigint);
  }
  return Buffer.from(out);
}

const kafka = T.struct([
  { id: 0, name: 'topic', required: true, type: T.string },
  { id: 0, name: 'partition', required: true, type: T.int },
  { id: 0, name: 'offset', required: true, type: T.long },
  { id: 0, name: 'timestamp', required: true, type: T.timestamptz },
  { id: 0, name: 'key', required: false, type: T.string },
  {
    id: 0,
    name: 'headers',
    required: false,
    type: T.list(
      T.struct([{ id: 0, name: 'key', required: true, type: T.string }, optional('value', T.binary)]),
      true,
    ),
  },
]);
const schema = newSchema([
  optional('event_id', T.string),
  optional('user_id', T.long),
  optional('session', T.string),
  optional('kind', T.string),
  optional('amount', T.double),
  optional('quantity', T.long),
  optional('country', T.string),
  optional('ok', T.boolean),
  optional('at', T.timestamptz),
  optional('note', T.string),
  ...(NESTED
    ? [
        optional(
          'device',
          T.struct([
            optional('os', T.string),
            optional('version', T.string),
            optional('screen', T.struct([optional('w', T.long), optional('h', T.long)])),
          ]),
        ),
        optional(
          'lines',
          T.list(T.struct([optional('sku', T.string), optional('qty', T.long), optional('price', T.double)])),
        ),
      ]
    : []),
  optional('_kafka', kafka),
]);
const mapping = {
  kafkaMetadata: true,
  rename: {},
  timestamps: AVRO ? [] : [{ field: 'at', format: 'iso8601' as const }],
};
const config: TableWriterConfig = {
  schema,
  spec: UNPARTITIONED,
  policy: 'evolve',
  mapping,
  keyFormat: 'string',
  compression: 'zstd',
  maxValueBytes: 1 << 20,
};

const kinds = ['view', 'click', 'purchase', 'signup'];
const records: RawRecord[] = Array.from({ length: N }, (_, i) => {
  const fields = {
    event_id: `evt-${i.toString(16).padStart(12, '0')}-${(i * 2654435761) % 1e9}`,
    user_id: 1_000_000 + ((i * 7919) % 500_000),
    session: `sess-${(i * 104729) % 1e7}-abcdefghijklmnopqrstuvwx`,
    kind: kinds[i % 4],
    amount: Math.round(((i * 37) % 100_000) * 1.37) / 100,
    quantity: i % 17,
    country: ['DE', 'FR', 'US', 'JP', 'BR'][i % 5],
    ok: i % 3 !== 0,
    at: new Date(1_764_063_000_000 + i * 37).toISOString(),
    note: 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '.repeat(2),
    ...(NESTED && {
      device: {
        os: ['ios', 'android'][i % 2],
        version: `${i % 20}.1`,
        screen: { w: 1080, h: 1920 + (i % 3) },
      },
      lines: [
        { sku: `sku-${i % 977}`, qty: 1 + (i % 4), price: 9.5 + (i % 50) },
        { sku: `sku-${(i * 7) % 977}`, qty: 1, price: 0.25 },
      ],
    }),
  };
  // The Avro header's schema id is written once the schema is registered (main).
  const value = AVRO
    ? writeWireHeader(
        0,
        encodeAvro({
          ...fields,
          user_id: BigInt(fields.user_id),
          quantity: BigInt(fields.quantity),
          at: BigInt(1_764_063_000_000 + i * 37) * 1000n,
        }),
      )
    : Buffer.from(JSON.stringify(fields));
  return {
    offset: BigInt(i),
    timestampMs: 1_764_063_000_000n + BigInt(i),
    key: Buffer.from(`user-${i % 1000}`),
    value,
    headers: [],
  };
});
const bytes = records.reduce((n, r) => n + (r.value?.length ?? 0), 0);
const batches: RawBatch[] = [];
for (let i = 0; i < N; i += BATCH) batches.push(listBatch('events', 0, records.slice(i, i + BATCH)));
console.log(
  `${N} records, ${(bytes / N).toFixed(0)} bytes of ${AVRO ? 'Avro' : 'JSON'} each, batches of ${BATCH}`,
);

const us = (ms: number) => ((ms * 1000) / N).toFixed(2);

/** One engine's writer over every batch: take, then flush, in µs per record (wall and CPU). */
async function measure(name: string, w: TableWriter) {
  const takeCpu0 = process.cpuUsage();
  let t = performance.now();
  for (const b of batches) {
    const out = await w.take('events:0', b, 0);
    // A rejected record or a schema change would make the figures those of another path.
    if (out.rejected.length > 0 || out.needsSchemaChange || out.taken !== b.length) {
      throw new Error(`${name}: not every record was held: ${out.rejected[0]?.message ?? 'a schema change'}`);
    }
  }
  const take = performance.now() - t;
  const takeCpu = process.cpuUsage(takeCpu0);
  const cpu0 = process.cpuUsage();
  t = performance.now();
  const files = await w.flush(512 * 1024 * 1024);
  const flush = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const size = files.reduce((n, f) => n + f.bytes.length, 0);
  const cpuUs = (c: NodeJS.CpuUsage) => us((c.user + c.system) / 1000);
  console.log(
    `${name}: take ${us(take)} µs/record (cpu ${cpuUs(takeCpu)}), flush ${us(flush)} µs/record (cpu of this thread ${cpuUs(cpu)}), ${files.length} file(s), ${(size / 1e6).toFixed(1)} MB`,
  );
}

const mapper = new RecordMapper(mapping, 'string');
const portable = () =>
  registry === undefined
    ? new PortableTableWriter(config, recordReader(new SchemalessJsonDecoder(), mapper), mapper)
    : new PortableTableWriter(config, recordReader(createValueDecoder('avro', registry), mapper));
const native = () =>
  createNativeTableWriter(config, registry === undefined ? { format: 'json' } : { format: 'avro', registry });

async function main() {
  const status = nativeEngineStatus();
  if (!status.available) console.log(`native engine: ${status.reason}`);
  if (registry !== undefined) {
    const id = await registry.register(`bench-${randomBytes(4).toString('hex')}`, {
      schema: JSON.stringify(AVRO_SCHEMA),
    });
    for (const r of records) r.value?.writeInt32BE(id, 1);
  }
  // The first round of each warms it up; rounds alternate so that a busy machine hits both alike.
  for (let round = 0; round < (NATIVE_ONLY ? 5 : 3); round += 1) {
    if (status.available) await measure('native  ', native());
    if (!NATIVE_ONLY) await measure('portable', portable());
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
