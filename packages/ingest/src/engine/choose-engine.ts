import type { PartitionSpec, Schema } from '@floe/iceberg';
import type { PipelineSpec } from '@floe/protocol';
import type { SchemaRegistry } from '../decode/registry';
import { RecordMapper } from '../mapping/map-record';
import type { EngineName, TableWriter, TableWriterConfig } from './engine';
import { nativeEngineStatus } from './native-module';
import { createNativeTableWriter, type NativeValues, nativeSupport } from './native-writer';
import { PortableTableWriter } from './portable-writer';
import type { RecordReader } from './read-record';

/** Which engine writes a table, and why that one. */
export interface EngineChoice {
  engine: EngineName;
  reason: string;
}

/** The pipeline asked for the native engine and it cannot run here: the pipeline fails with the reason. */
export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
}

/** The values the native engine would read for this pipeline, or why it cannot read them. */
function nativeValues(spec: PipelineSpec, registry: SchemaRegistry | undefined): NativeValues | string {
  const format = spec.format.value;
  if (format === 'json') return { format };
  if (spec.changes.mode === 'cdc') {
    return `the native engine reads Debezium events in schemaless JSON; cdc in ${format} runs on the portable engine`;
  }
  if (format !== 'avro') {
    return `the native engine reads schemaless JSON and Avro; ${format} values run on the portable engine`;
  }
  if (registry === undefined)
    return 'the native engine reads Avro values through a schema registry, and none was given';
  return { format, registry };
}

/** Why the native engine cannot run this pipeline at all (before any table is known), if it cannot. */
function pipelineRefusal(spec: PipelineSpec, registry: SchemaRegistry | undefined): string | undefined {
  const status = nativeEngineStatus();
  if (!status.available) return status.reason;
  const values = nativeValues(spec, registry);
  return typeof values === 'string' ? values : undefined;
}

/**
 * Whether the native engine may read this pipeline's records (then they are fetched as Kafka wrote
 * them); `registry`: the one its Avro values are read through.
 */
export function nativeReads(spec: PipelineSpec, registry?: SchemaRegistry): boolean {
  return spec.engine !== 'portable' && pipelineRefusal(spec, registry) === undefined;
}

/**
 * The engine for one table of a pipeline: `portable` and `native` as asked (native fails with the
 * reason when it cannot run), `auto` native where it can, else portable with the reason.
 */
export function chooseEngine(
  spec: PipelineSpec,
  config: TableWriterConfig,
  registry?: SchemaRegistry,
): EngineChoice {
  if (spec.engine === 'portable') return { engine: 'portable', reason: 'the pipeline asks for it' };
  const values = nativeValues(spec, registry);
  const refusal =
    pipelineRefusal(spec, registry) ?? nativeSupport(config, typeof values === 'string' ? undefined : values);
  if (refusal === undefined) {
    return { engine: 'native', reason: spec.engine === 'native' ? 'the pipeline asks for it' : 'auto' };
  }
  if (spec.engine === 'native') throw new EngineUnavailableError(`engine native: ${refusal}`);
  return { engine: 'portable', reason: `auto: ${refusal}` };
}

export interface EngineHost {
  read: RecordReader;
  /** Told which engine each table runs, once its schema is known. */
  chosen?: (table: string, choice: EngineChoice) => void;
  maxValueBytes: number;
  /** The registry the pipeline's Avro values are read through (the native engine fetches their schemas from it). */
  registry?: SchemaRegistry | undefined;
}

/** The writer factory a table sink uses: the chosen engine for the table's schema and spec. */
export function tableWriters(
  spec: PipelineSpec,
  host: EngineHost,
): (table: string) => (schema: Schema, partitionSpec: PartitionSpec) => TableWriter {
  return (table) => (schema, partitionSpec) => {
    const config: TableWriterConfig = {
      schema,
      spec: partitionSpec,
      policy: spec.schemaPolicy,
      mapping: spec.mapping,
      keyFormat: spec.format.key,
      compression: 'zstd',
      maxValueBytes: host.maxValueBytes,
    };
    const choice = chooseEngine(spec, config, host.registry);
    host.chosen?.(table, choice);
    const values = nativeValues(spec, host.registry);
    return choice.engine === 'native' && typeof values !== 'string'
      ? createNativeTableWriter(config, values)
      : new PortableTableWriter(
          config,
          host.read,
          spec.format.value === 'json' ? new RecordMapper(spec.mapping, spec.format.key) : undefined,
        );
  };
}
