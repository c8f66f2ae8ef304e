import type { IcebergValue, ParquetCompression, PartitionSpec, Schema, WrittenParquet } from '@floe/iceberg';
import type { PipelineSpec } from '@floe/protocol';
import type { DeadLetterReason } from '../decode/decoded';
import type { SchemaPolicy } from '../fit/fit-record';
import { recordSize } from '../mapping/kafka-record';

/**
 * The ingest engine: the hot path between Kafka and Parquet, behind one interface so that the
 * portable (TypeScript) and native (Rust) engines are interchangeable. A batch of raw records of one
 * topic-partition goes in; Parquet data files with Iceberg field ids and column metrics come out,
 * plus the records it rejected with their reasons. Consumer groups, seeking, fencing, commits and
 * dead letters stay above it (TableSink, PipelineRunner).
 */
export type EngineName = 'portable' | 'native';

/**
 * Raw records of one topic-partition, in offset order, nothing decoded yet: either a list of records
 * (`listBatch`) or the record batches of a Kafka fetch in place (`WireBatch`, read by the native engine
 * without an object per record). A record's key, value and headers are made on demand (`record`).
 */
export interface RawBatch {
  readonly topic: string;
  readonly partition: number;
  readonly length: number;
  offset(index: number): bigint;
  timestampMs(index: number): bigint;
  record(index: number): RawRecord;
  /** Bytes of every key, value and header, as Kafka counts them (for buffer sizing and figures). */
  readonly bytes: number;
  /** The records from `from` on. */
  slice(from: number): RawBatch;
}

export interface RawRecord {
  offset: bigint;
  timestampMs: bigint;
  key: Buffer | null;
  /** null: a tombstone. */
  value: Buffer | null;
  headers: readonly { key: string; value: Buffer | null }[];
}

/** A batch of records held in a list. */
export function listBatch(topic: string, partition: number, records: readonly RawRecord[]): RawBatch {
  let bytes: number | undefined;
  return {
    topic,
    partition,
    length: records.length,
    offset: (i) => (records[i] as RawRecord).offset,
    timestampMs: (i) => (records[i] as RawRecord).timestampMs,
    record: (i) => records[i] as RawRecord,
    get bytes() {
      bytes ??= records.reduce((n, r) => n + recordSize(r), 0);
      return bytes;
    },
    slice: (from) => listBatch(topic, partition, records.slice(from)),
  };
}

/** What a table writer needs to know, fixed for its life (the schema moves with `setSchema`). */
export interface TableWriterConfig {
  schema: Schema;
  spec: PartitionSpec;
  policy: SchemaPolicy;
  mapping: PipelineSpec['mapping'];
  keyFormat: PipelineSpec['format']['key'];
  compression: ParquetCompression;
  /** Values larger than this are rejected ('oversize'). */
  maxValueBytes: number;
}

export interface RejectedRecord {
  /** Index into the batch's records. */
  index: number;
  reason: DeadLetterReason;
  message: string;
}

/**
 * What `take` did with a batch from `from` on: records [from, taken) are each held or rejected. When
 * `needsSchemaChange` is set, record `taken` would fit only after a schema change (a new field, a
 * wider type, a required field missing, under the evolve policy): the caller evolves the schema,
 * calls `setSchema`, and takes the batch again from there.
 */
export interface TakeResult {
  taken: number;
  rejected: RejectedRecord[];
  needsSchemaChange: boolean;
}

/** A Parquet data file written by an engine, in memory (bytes and Iceberg metrics), ready for upload and a manifest entry. */
export interface WrittenDataFile extends WrittenParquet {
  /** The schema id its columns follow. */
  schemaId: number;
  partition: IcebergValue[];
}

/** One table's rows, held per Kafka partition (a key like "topic:3") until written. */
export interface TableWriter {
  readonly engine: EngineName;
  take(key: string, batch: RawBatch, from: number): TakeResult | Promise<TakeResult>;
  /** Rows taken from now on follow this schema; rows held keep the schema they were taken with. */
  setSchema(schema: Schema): void;
  /** Forgets the rows held for these partitions. */
  drop(keys: Iterable<string>): void;
  clear(): void;
  readonly bufferedRows: number;
  /** Memory the held rows take, near enough for back-pressure. */
  readonly bufferedBytes: number;
  /** Writes every held row as data files (per schema and partition, cut near the target size) and forgets them. */
  flush(targetFileSizeBytes: number): Promise<WrittenDataFile[]>;
}
