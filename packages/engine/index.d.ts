/** The native ingest engine (Rust, napi-rs). See src/lib.rs; the TypeScript adapter is packages/ingest/src/engine/native-writer.ts. */
export interface NativeRejected {
  index: number;
  reason: string;
  message: string;
}

export interface NativeTakeResult {
  taken: number;
  rejected: NativeRejected[];
  needsSchemaChange: boolean;
  /** Avro: record `taken` names this registry schema id, not given yet (`avroSchema`, then take again). */
  needsSchemaId?: number;
}

/** A partition value: `kind` says how to read `text` (long and decimal as decimal digits, bytes as hex). */
export interface NativeValue {
  kind: 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'decimal' | 'string' | 'bytes';
  text: string;
}

export interface NativeLeafMetrics {
  id: number;
  values: number;
  nulls: number;
  /** -1 for columns that are not float or double. */
  nans: number;
  lower?: Buffer;
  upper?: Buffer;
}

export interface NativeDataFile {
  bytes: Buffer;
  schemaId: number;
  partition: NativeValue[];
  recordCount: number;
  /** [field id, compressed bytes] per leaf column. */
  columnSizes: number[][];
  leaves: NativeLeafMetrics[];
}

export class NativeTableWriter {
  /** JSON of { schema, spec (Iceberg spec JSON), policy, mapping, keyFormat, compression, maxValueBytes, valueFormat ('json' | 'avro') }. */
  constructor(config: string);
  setSchema(schema: string): void;
  /** Takes records `from` on; every key, value and header lies in `data` at the ranges given (start, end per item). */
  take(
    key: string,
    topic: string,
    partition: number,
    from: number,
    data: Buffer,
    valueRanges: Uint32Array,
    flags: Uint8Array,
    offsets: BigInt64Array,
    timestamps: BigInt64Array,
    keyRanges: Uint32Array,
    headerStarts: Uint32Array,
    headerRanges: Uint32Array,
    headerNull: Uint8Array,
  ): NativeTakeResult;
  /** Avro schema `id` as the registry gives it, with the texts of the schemas it references. */
  avroSchema(id: number, schema: string, references: string[]): void;
  /** Every record naming Avro schema `id` is rejected with this reason ('unknown-schema-id' or 'undecodable') and message. */
  refuseAvroSchema(id: number, reason: string, message: string): void;
  dropKeys(keys: string[]): void;
  clear(): void;
  readonly bufferedRows: number;
  readonly bufferedBytes: number;
  flush(targetFileSizeBytes: number): Promise<NativeDataFile[]>;
}

/** Where each record's key, value and headers lie in one buffer. */
export interface NativeWireIndex {
  flags: Uint8Array;
  offsets: BigInt64Array;
  timestamps: BigInt64Array;
  valueRanges: Uint32Array;
  keyRanges: Uint32Array;
  headerStarts: Uint32Array;
  headerRanges: Uint32Array;
  headerNull: Uint8Array;
}

/** Indexes the records of Kafka record batches (format v2) whose records sections, decompressed, lie in `data` at `ranges`. */
export function indexRecordBatches(
  data: Buffer,
  ranges: Uint32Array,
  baseOffsets: BigInt64Array,
  baseTimestamps: BigInt64Array,
  appendTimes: BigInt64Array,
  counts: Uint32Array,
): NativeWireIndex;

export function engineVersion(): string;
export const nativeFile: string;

/** A Kafka consumer-group member on librdkafka: see src/consumer.rs. */
export class NativeKafkaConsumer {
  /** librdkafka's settings (`bootstrap.servers`, `group.id`, `security.protocol`, `sasl.*`, `ssl.*.pem`, ...). */
  constructor(settings: Record<string, string>);
  subscribe(topics: string[]): void;
  poll(maxRecords: number, maxBytes: number, maxWaitMs: number): Promise<NativePollResult>;
  assign(generation: number, partitions: { topic: string; partition: number; offset?: number }[]): boolean;
  seek(topic: string, partition: number, offset: number): void;
  pause(topic: string, partition: number): void;
  commit(offsets: { topic: string; partition: number; offset: number }[]): Promise<void>;
  close(): Promise<void>;
}

export interface NativePollResult {
  partitions: {
    topic: string;
    partition: number;
    highWatermark: number;
    data: Buffer;
    index: NativeWireIndex;
  }[];
  events: {
    kind: 'assigned' | 'revoked' | 'failed';
    generation?: number;
    partitions: { topic: string; partition: number }[];
    message?: string;
  }[];
  logs: { level: string; message: string }[];
  errors: string[];
  fatal?: string;
}

export function librdkafkaVersion(): string;
