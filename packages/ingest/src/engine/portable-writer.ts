import {
  type PartitionSpec,
  partitionRows,
  type Row,
  rowsToArrow,
  type Schema,
  type StructType,
  writeParquetFile,
} from '@floe/iceberg';
import { RecordRejectedError } from '../decode/decoded';
import { fitRecord } from '../fit/fit-record';
import { recordSize } from '../mapping/kafka-record';
import type { RecordMapper } from '../mapping/map-record';
import type {
  RawBatch,
  RejectedRecord,
  TableWriter,
  TableWriterConfig,
  TakeResult,
  WrittenDataFile,
} from './engine';
import { JsonRowReader } from './json-row';
import { type RecordReader, recordOf } from './read-record';

/** Rows go to Arrow in chunks of this many. */
const ROWS_PER_BATCH = 16_384;

interface Segment {
  schema: Schema;
  struct: StructType;
  /** Schemaless JSON records' rows without the reference path's copies (see JsonRowReader). */
  json: JsonRowReader | undefined;
  rows: Row[];
}

/**
 * The portable engine: TypeScript everywhere Node runs. Each record is decoded and mapped by the
 * pipeline's decoder (JSON, Avro, Protobuf, JSON Schema), fitted to the table's columns, and held as a
 * row (schemaless JSON records the short way, JsonRowReader, where it can); at flush the rows of each schema and partition become one Parquet file through parquet-wasm.
 */
export class PortableTableWriter implements TableWriter {
  readonly engine = 'portable';
  private current: Omit<Segment, 'rows'>;
  /** Per Kafka partition, its rows by the schema they were fitted to (the last segment is the current schema's). */
  private readonly held = new Map<string, Segment[]>();
  private rows = 0;
  private bytes = 0;

  constructor(
    private readonly config: TableWriterConfig,
    private readonly read: RecordReader,
    /** The pipeline's mapper when its values are schemaless JSON. */
    private readonly jsonMapper?: RecordMapper,
  ) {
    this.current = this.segmentOf(config.schema);
  }

  async take(key: string, batch: RawBatch, from: number): Promise<TakeResult> {
    const rejected: RejectedRecord[] = [];
    for (let index = from; index < batch.length; index += 1) {
      try {
        const record = recordOf(batch, index);
        const row = record.value === null ? undefined : this.current.json?.read(record);
        const fit =
          row !== undefined
            ? { row }
            : fitRecord(this.current.struct, await this.read(record), this.config.policy);
        if ('changes' in fit) return { taken: index, rejected, needsSchemaChange: true };
        this.segment(key).rows.push(fit.row);
        this.rows += 1;
        this.bytes += recordSize(record);
      } catch (error) {
        if (!(error instanceof RecordRejectedError)) throw error;
        rejected.push({ index, reason: error.reason, message: error.message });
      }
    }
    return { taken: batch.length, rejected, needsSchemaChange: false };
  }

  setSchema(schema: Schema): void {
    this.current = this.segmentOf(schema);
  }

  drop(keys: Iterable<string>): void {
    for (const key of keys) {
      for (const segment of this.held.get(key) ?? []) this.rows -= segment.rows.length;
      this.held.delete(key);
    }
    if (this.held.size === 0) this.bytes = 0;
  }

  clear(): void {
    this.held.clear();
    this.rows = 0;
    this.bytes = 0;
  }

  get bufferedRows(): number {
    return this.rows;
  }

  get bufferedBytes(): number {
    return this.bytes;
  }

  /** One file per schema and partition: a commit's worth of rows is bounded by the runner's buffer limit. */
  async flush(): Promise<WrittenDataFile[]> {
    const bySchema = new Map<Schema, Row[]>();
    for (const segments of this.held.values()) {
      for (const { schema, rows } of segments) {
        const all = bySchema.get(schema) ?? [];
        for (const row of rows) all.push(row);
        bySchema.set(schema, all);
      }
    }
    this.clear();
    const files: WrittenDataFile[] = [];
    for (const [schema, rows] of bySchema) {
      for (const group of partitionRows(schema, this.config.spec as PartitionSpec, rows)) {
        const batches = [];
        for (let start = 0; start < group.rows.length; start += ROWS_PER_BATCH) {
          batches.push(rowsToArrow(schema, group.rows.slice(start, start + ROWS_PER_BATCH)));
        }
        const written = await writeParquetFile(schema, batches, { compression: this.config.compression });
        files.push({ ...written, schemaId: schema.schemaId, partition: group.partition });
      }
    }
    return files;
  }

  private segment(key: string): Segment {
    let segments = this.held.get(key);
    if (segments === undefined) {
      segments = [];
      this.held.set(key, segments);
    }
    let last = segments[segments.length - 1];
    if (last === undefined || last.schema !== this.current.schema) {
      last = { ...this.current, rows: [] };
      segments.push(last);
    }
    return last;
  }

  private segmentOf(schema: Schema): Omit<Segment, 'rows'> {
    const struct: StructType = { type: 'struct', fields: schema.fields };
    const { mapping, policy } = this.config;
    const json = this.jsonMapper && new JsonRowReader(struct, mapping, policy, this.jsonMapper);
    return { schema, struct, json: json?.usable ? json : undefined };
  }
}
