import { createRequire } from 'node:module';
import {
  type IcebergValue,
  type PartitionSpec,
  partitionSpecToJson,
  type Schema,
  schemaToJson,
} from '@floe/iceberg';
import type { DeadLetterReason } from '../decode/decoded';
import type {
  RawBatch,
  RawRecord,
  TableWriter,
  TableWriterConfig,
  TakeResult,
  WrittenDataFile,
} from './engine';

/**
 * The native engine: the Rust crate in packages/engine (arrow-rs + parquet through napi-rs), for
 * schemaless JSON values. It takes each batch in a few flat buffers (no object per record), decodes,
 * maps and fits every record with the TypeScript path's rules, and encodes Parquet on the thread pool.
 */

/** The shape of packages/engine/index.d.ts (kept here so that this package builds without it). */
interface NativeModule {
  NativeTableWriter: new (config: string) => NativeHandle;
  engineVersion(): string;
  nativeFile: string;
}

interface NativeHandle {
  setSchema(schema: string): void;
  take(
    key: string,
    topic: string,
    partition: number,
    from: number,
    values: Buffer,
    valueOffsets: Uint32Array,
    flags: Uint8Array,
    offsets: BigInt64Array,
    timestamps: BigInt64Array,
    keys: Buffer,
    keyOffsets: Uint32Array,
    headerStarts: Uint32Array,
    headerData: Buffer,
    headerOffsets: Uint32Array,
    headerNull: Uint8Array,
  ): {
    taken: number;
    rejected: { index: number; reason: string; message: string }[];
    needsSchemaChange: boolean;
  };
  dropKeys(keys: string[]): void;
  clear(): void;
  readonly bufferedRows: number;
  readonly bufferedBytes: number;
  flush(targetFileSizeBytes: number): Promise<NativeDataFile[]>;
}

interface NativeDataFile {
  bytes: Buffer;
  schemaId: number;
  partition: { kind: string; text: string }[];
  recordCount: number;
  columnSizes: number[][];
  leaves: { id: number; values: number; nulls: number; nans: number; lower?: Buffer; upper?: Buffer }[];
}

let loaded: { module: NativeModule } | { error: string } | undefined;

function load(): { module: NativeModule } | { error: string } {
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
  const state = load();
  return 'module' in state ? { available: true } : { available: false, reason: state.error };
}

const SUPPORTED_COMPRESSION = new Set(['zstd', 'snappy', 'uncompressed']);

/**
 * Why the native engine cannot write for this config (the caller then runs the portable engine and
 * says why), or undefined when it can. The native engine reads schemaless JSON values only: the
 * caller checks the pipeline's value format.
 */
export function nativeSupport(config: TableWriterConfig): string | undefined {
  const status = nativeEngineStatus();
  if (!status.available) return status.reason;
  for (const field of config.spec.fields) {
    if (field.transform.kind === 'unknown') {
      return `the native engine does not support the partition transform ${field.transform.text}`;
    }
  }
  if (!SUPPORTED_COMPRESSION.has(config.compression)) {
    return `the native engine does not support compression ${config.compression}`;
  }
  try {
    new (load() as { module: NativeModule }).module.NativeTableWriter(configJson(config));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
}

function configJson(config: TableWriterConfig): string {
  return JSON.stringify({
    schema: schemaToJson(config.schema),
    spec: partitionSpecToJson(config.spec as PartitionSpec),
    policy: config.policy,
    mapping: config.mapping,
    keyFormat: config.keyFormat,
    compression: config.compression,
    maxValueBytes: config.maxValueBytes,
  });
}

/** A batch as the native side reads it: values, keys and headers each concatenated into one buffer. */
interface Packed {
  values: Buffer;
  valueOffsets: Uint32Array;
  flags: Uint8Array;
  offsets: BigInt64Array;
  timestamps: BigInt64Array;
  keys: Buffer;
  keyOffsets: Uint32Array;
  headerStarts: Uint32Array;
  headerData: Buffer;
  headerOffsets: Uint32Array;
  headerNull: Uint8Array;
}

const EMPTY = Buffer.alloc(0);

function pack(records: readonly RawRecord[]): Packed {
  const n = records.length;
  const valueOffsets = new Uint32Array(n + 1);
  const keyOffsets = new Uint32Array(n + 1);
  const headerStarts = new Uint32Array(n + 1);
  const flags = new Uint8Array(n);
  const offsets = new BigInt64Array(n);
  const timestamps = new BigInt64Array(n);
  const values: Buffer[] = [];
  const keys: Buffer[] = [];
  const headerParts: Buffer[] = [];
  const headerOffsets: number[] = [0];
  const headerNull: number[] = [];
  let valueSize = 0;
  let keySize = 0;
  let headerSize = 0;
  for (let i = 0; i < n; i += 1) {
    const r = records[i] as RawRecord;
    offsets[i] = r.offset;
    timestamps[i] = r.timestampMs;
    let f = 0;
    if (r.value === null) f |= 1;
    else {
      values.push(r.value);
      valueSize += r.value.length;
    }
    if (r.key === null) f |= 2;
    else {
      keys.push(r.key);
      keySize += r.key.length;
    }
    flags[i] = f;
    valueOffsets[i + 1] = valueSize;
    keyOffsets[i + 1] = keySize;
    for (const h of r.headers) {
      const k = Buffer.from(h.key, 'utf8');
      headerParts.push(k);
      headerSize += k.length;
      headerOffsets.push(headerSize);
      if (h.value !== null) {
        headerParts.push(h.value);
        headerSize += h.value.length;
      }
      headerOffsets.push(headerSize);
      headerNull.push(h.value === null ? 1 : 0);
    }
    headerStarts[i + 1] = headerNull.length;
  }
  return {
    values: values.length === 0 ? EMPTY : Buffer.concat(values, valueSize),
    valueOffsets,
    flags,
    offsets,
    timestamps,
    keys: keys.length === 0 ? EMPTY : Buffer.concat(keys, keySize),
    keyOffsets,
    headerStarts,
    headerData: headerParts.length === 0 ? EMPTY : Buffer.concat(headerParts, headerSize),
    headerOffsets: Uint32Array.from(headerOffsets),
    headerNull: Uint8Array.from(headerNull),
  };
}

function partitionValue(v: { kind: string; text: string }): IcebergValue {
  switch (v.kind) {
    case 'null':
      return null;
    case 'boolean':
      return v.text === 'true';
    case 'int':
    case 'float':
    case 'double':
      return Number(v.text);
    case 'long':
    case 'decimal':
      return BigInt(v.text);
    case 'string':
      return v.text;
    default:
      return new Uint8Array(Buffer.from(v.text, 'hex'));
  }
}

function writtenFile(file: NativeDataFile): WrittenDataFile {
  const valueCounts = new Map<number, bigint>();
  const nullValueCounts = new Map<number, bigint>();
  const nanValueCounts = new Map<number, bigint>();
  const lowerBounds = new Map<number, Uint8Array>();
  const upperBounds = new Map<number, Uint8Array>();
  for (const leaf of file.leaves) {
    valueCounts.set(leaf.id, BigInt(leaf.values));
    nullValueCounts.set(leaf.id, BigInt(leaf.nulls));
    if (leaf.nans >= 0) nanValueCounts.set(leaf.id, BigInt(leaf.nans));
    if (leaf.lower !== undefined && leaf.lower !== null) lowerBounds.set(leaf.id, new Uint8Array(leaf.lower));
    if (leaf.upper !== undefined && leaf.upper !== null) upperBounds.set(leaf.id, new Uint8Array(leaf.upper));
  }
  return {
    bytes: new Uint8Array(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength),
    schemaId: file.schemaId,
    partition: file.partition.map(partitionValue),
    metrics: {
      recordCount: BigInt(file.recordCount),
      columnSizes: new Map(file.columnSizes.map(([id, size]) => [id as number, BigInt(size as number)])),
      valueCounts,
      nullValueCounts,
      nanValueCounts,
      lowerBounds,
      upperBounds,
    },
  };
}

class NativeTableWriter implements TableWriter {
  readonly engine = 'native';
  /** The last batch packed: `take` is called again on the same batch after a schema change. */
  private packed: { batch: RawBatch; packed: Packed } | undefined;

  constructor(private readonly native: NativeHandle) {}

  take(key: string, batch: RawBatch, from: number): TakeResult {
    if (this.packed?.batch !== batch) this.packed = { batch, packed: pack(batch.records) };
    const p = this.packed.packed;
    const out = this.native.take(
      key,
      batch.topic,
      batch.partition,
      from,
      p.values,
      p.valueOffsets,
      p.flags,
      p.offsets,
      p.timestamps,
      p.keys,
      p.keyOffsets,
      p.headerStarts,
      p.headerData,
      p.headerOffsets,
      p.headerNull,
    );
    if (out.taken >= batch.records.length) this.packed = undefined;
    return {
      taken: out.taken,
      needsSchemaChange: out.needsSchemaChange,
      rejected: out.rejected.map((r) => ({ ...r, reason: r.reason as DeadLetterReason })),
    };
  }

  setSchema(schema: Schema): void {
    this.native.setSchema(JSON.stringify(schemaToJson(schema)));
  }

  drop(keys: Iterable<string>): void {
    this.native.dropKeys([...keys]);
  }

  clear(): void {
    this.native.clear();
  }

  get bufferedRows(): number {
    return this.native.bufferedRows;
  }

  get bufferedBytes(): number {
    return this.native.bufferedBytes;
  }

  async flush(targetFileSizeBytes: number): Promise<WrittenDataFile[]> {
    return (await this.native.flush(targetFileSizeBytes)).map(writtenFile);
  }
}

/** The native engine's writer for a table; throws when the engine is not built (see nativeEngineStatus). */
export function createNativeTableWriter(config: TableWriterConfig): TableWriter {
  const state = load();
  if ('error' in state) throw new Error(state.error);
  return new NativeTableWriter(new state.module.NativeTableWriter(configJson(config)));
}
