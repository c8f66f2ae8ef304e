import { createRequire } from 'node:module';

/**
 * The native engine's module (packages/engine, Rust through napi-rs), loaded once; its shape is
 * packages/engine/index.d.ts, repeated here so that this package builds without it.
 */
export interface NativeModule {
  NativeTableWriter: new (config: string) => NativeHandle;
  indexRecordBatches(
    data: Buffer,
    ranges: Uint32Array,
    baseOffsets: BigInt64Array,
    baseTimestamps: BigInt64Array,
    appendTimes: BigInt64Array,
    counts: Uint32Array,
  ): NativeRecordIndex;
  engineVersion(): string;
  /** librdkafka's version, absent from an engine built without the native consumer. */
  librdkafkaVersion?(): string;
  NativeKafkaConsumer?: new (settings: Record<string, string>) => NativeKafkaConsumer;
  nativeFile: string;
}

/** A Kafka consumer-group member on librdkafka (packages/engine/src/consumer.rs). */
export interface NativeKafkaConsumer {
  subscribe(topics: string[]): void;
  poll(maxRecords: number, maxBytes: number, maxWaitMs: number): Promise<NativePollResult>;
  /** false: a later rebalance made assignment `generation` stale, and nothing was assigned. */
  assign(
    generation: number,
    partitions: { topic: string; partition: number; offset?: number | undefined }[],
  ): boolean;
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
    index: NativeRecordIndex;
  }[];
  events: {
    kind: 'assigned' | 'revoked' | 'failed';
    generation?: number;
    partitions: { topic: string; partition: number }[];
    message?: string;
  }[];
  logs: { level: 'error' | 'warn' | 'info' | 'debug'; message: string }[];
  errors: string[];
  fatal?: string;
}

/** Where each record's key, value and headers lie in one buffer (see packages/engine/src/writer.rs Batch). */
export interface NativeRecordIndex {
  flags: Uint8Array;
  offsets: BigInt64Array;
  timestamps: BigInt64Array;
  valueRanges: Uint32Array;
  keyRanges: Uint32Array;
  headerStarts: Uint32Array;
  headerRanges: Uint32Array;
  headerNull: Uint8Array;
}

export interface NativeHandle {
  setSchema(schema: string): void;
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
  ): {
    taken: number;
    rejected: { index: number; reason: string; message: string }[];
    needsSchemaChange: boolean;
    /** Avro: record `taken` names this registry schema id, not given yet (avroSchema, then take again). */
    needsSchemaId?: number | undefined;
  };
  /** Avro schema `id` as the registry gives it, with the texts of the schemas it references. */
  avroSchema(id: number, schema: string, references: string[]): void;
  /** Every record naming Avro schema `id` is rejected so ('unknown-schema-id' or 'undecodable'). */
  refuseAvroSchema(id: number, reason: string, message: string): void;
  dropKeys(keys: string[]): void;
  clear(): void;
  readonly bufferedRows: number;
  readonly bufferedBytes: number;
  flush(targetFileSizeBytes: number): Promise<NativeDataFile[]>;
}

export interface NativeDataFile {
  bytes: Buffer;
  schemaId: number;
  partition: { kind: string; text: string }[];
  recordCount: number;
  columnSizes: number[][];
  leaves: { id: number; values: number; nulls: number; nans: number; lower?: Buffer; upper?: Buffer }[];
}

let loaded: { module: NativeModule } | { error: string } | undefined;

export function loadNative(): { module: NativeModule } | { error: string } {
  if (loaded === undefined) {
    try {
      const require = createRequire(import.meta.url);
      loaded = { module: require('@floe/engine') as NativeModule };
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      loaded = {
        error: /Cannot find module .*floe-engine\./.test(message ?? '')
          ? 'the native engine is not built (packages/engine/build.mjs found no cargo, or its build failed)'
          : `the native engine did not load: ${message}`,
      };
    }
  }
  return loaded;
}

/** Whether the native engine is built and loads here, and if not, why. */
export function nativeEngineStatus(): { available: true } | { available: false; reason: string } {
  const state = loadNative();
  return 'module' in state ? { available: true } : { available: false, reason: state.error };
}
