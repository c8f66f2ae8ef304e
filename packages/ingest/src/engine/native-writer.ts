import {
  type IcebergValue,
  type PartitionSpec,
  partitionSpecToJson,
  type Schema,
  schemaToJson,
} from '@floe/iceberg';
import { type DeadLetterReason, RecordRejectedError } from '../decode/decoded';
import type { SchemaRegistry } from '../decode/registry';
import type { RawBatch, TableWriter, TableWriterConfig, TakeResult, WrittenDataFile } from './engine';
import { loadNative, type NativeDataFile, type NativeHandle, nativeEngineStatus } from './native-module';
import { type PackedBatch, packBatch } from './packed-batch';

/**
 * The native engine: the Rust crate in packages/engine (arrow-rs + parquet through napi-rs), for
 * schemaless JSON values and Avro values through the schema registry. It takes each batch in one
 * buffer located by ranges (no object per record), decodes, maps and fits every record with the
 * TypeScript path's rules, and encodes Parquet on the thread pool. For Avro, each schema id a record
 * names is fetched from the registry here once and handed to the engine, which compiles it.
 */

/** The value formats the native engine reads: schemaless JSON, and Avro with the pipeline's registry. */
export type NativeValues = { format: 'json' } | { format: 'avro'; registry: SchemaRegistry };

const JSON_VALUES: NativeValues = { format: 'json' };

const SUPPORTED_COMPRESSION = new Set(['zstd', 'snappy', 'uncompressed']);

/**
 * Why the native engine cannot write for this config (the caller then runs the portable engine and
 * says why), or undefined when it can, reading `values` (schemaless JSON, or Avro through a
 * registry): the caller checks that the pipeline's value format is one of them.
 */
export function nativeSupport(
  config: TableWriterConfig,
  values: NativeValues = JSON_VALUES,
): string | undefined {
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
    new (
      loadNative() as { module: { NativeTableWriter: new (c: string) => NativeHandle } }
    ).module.NativeTableWriter(configJson(config, values));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
}

function configJson(config: TableWriterConfig, values: NativeValues): string {
  return JSON.stringify({
    valueFormat: values.format,
    schema: schemaToJson(config.schema),
    spec: partitionSpecToJson(config.spec as PartitionSpec),
    policy: config.policy,
    mapping: config.mapping,
    keyFormat: config.keyFormat,
    compression: config.compression,
    maxValueBytes: config.maxValueBytes,
  });
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
  private packed: { batch: RawBatch; packed: PackedBatch } | undefined;

  constructor(
    private readonly native: NativeHandle,
    /** The registry Avro schemas come from (JSON values name none). */
    private readonly registry?: SchemaRegistry,
  ) {}

  take(key: string, batch: RawBatch, from: number): TakeResult | Promise<TakeResult> {
    const out = this.takeOnce(batch, key, from);
    if (out.needsSchemaId === undefined) return out;
    return this.takeWithSchemas(key, batch, out);
  }

  /** Takes on after each record that names a schema id not given to the engine yet, once it is given. */
  private async takeWithSchemas(
    key: string,
    batch: RawBatch,
    first: TakeResult & { needsSchemaId?: number | undefined },
  ): Promise<TakeResult> {
    const rejected = [...first.rejected];
    let out = first;
    while (out.needsSchemaId !== undefined) {
      await this.giveSchema(out.needsSchemaId);
      out = this.takeOnce(batch, key, out.taken);
      rejected.push(...out.rejected);
    }
    return { taken: out.taken, rejected, needsSchemaChange: out.needsSchemaChange };
  }

  /**
   * Schema `id` from the registry to the engine; an id the registry does not know, or a schema of
   * another format, rejects each record naming it, as RegistryValueDecoder does. A registry outage
   * throws (the batch is taken again later).
   */
  private async giveSchema(id: number): Promise<void> {
    if (this.registry === undefined) throw new Error(`Avro schema ${id}: the native writer has no registry`);
    try {
      const schema = await this.registry.schemaById(id);
      if (schema.schemaType !== 'AVRO') {
        throw new RecordRejectedError(
          'undecodable',
          `schema ${schema.id} is a ${schema.schemaType} schema, and this pipeline reads AVRO values`,
        );
      }
      this.native.avroSchema(
        id,
        schema.schema,
        schema.references.map((r) => r.schema),
      );
    } catch (error) {
      if (!(error instanceof RecordRejectedError)) throw error;
      this.native.refuseAvroSchema(id, error.reason, error.message);
    }
  }

  private takeOnce(
    batch: RawBatch,
    key: string,
    from: number,
  ): TakeResult & { needsSchemaId?: number | undefined } {
    if (this.packed?.batch !== batch) this.packed = { batch, packed: packBatch(batch) };
    const p = this.packed.packed;
    const i = p.index;
    const out = this.native.take(
      key,
      p.topic,
      p.partition,
      p.start + from,
      p.data,
      i.valueRanges,
      i.flags,
      i.offsets,
      i.timestamps,
      i.keyRanges,
      i.headerStarts,
      i.headerRanges,
      i.headerNull,
    );
    const taken = out.taken - p.start;
    if (taken >= batch.length) this.packed = undefined;
    return {
      taken,
      needsSchemaChange: out.needsSchemaChange,
      ...(out.needsSchemaId != null && { needsSchemaId: out.needsSchemaId }),
      rejected: out.rejected.map((r) => ({
        ...r,
        index: r.index - p.start,
        reason: r.reason as DeadLetterReason,
      })),
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
export function createNativeTableWriter(
  config: TableWriterConfig,
  values: NativeValues = JSON_VALUES,
): TableWriter {
  const state = loadNative();
  if ('error' in state) throw new Error(state.error);
  return new NativeTableWriter(
    new state.module.NativeTableWriter(configJson(config, values)),
    values.format === 'avro' ? values.registry : undefined,
  );
}
