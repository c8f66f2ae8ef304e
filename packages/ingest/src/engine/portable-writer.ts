import {
  buildersToArrow,
  ColumnBuilder,
  columnsToArrow,
  type IcebergValue,
  type PartitionSpec,
  partitionRows,
  type Schema,
  type StructType,
  writeParquetFile,
} from '@floe/iceberg';
import { RecordRejectedError } from '../decode/decoded';
import { fitRecord } from '../fit/fit-record';
import { type KafkaRecord, recordSize } from '../mapping/kafka-record';
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
import { PackedBatch } from './packed-batch';
import { type RecordReader, recordOf } from './read-record';

/** Rows go to Arrow in chunks of this many. */
const ROWS_PER_BATCH = 16_384;

interface Segment {
  schema: Schema;
  struct: StructType;
  /** Schemaless JSON records' values without the reference path's copies (see JsonRowReader). */
  json: JsonRowReader | undefined;
  /** The rows by column (no object per row), in Arrow buffers where the column's type allows. */
  columns: ColumnBuilder[];
  length: number;
}

/** Rows of one schema and partition, by column. */
interface Group {
  partition: IcebergValue[];
  columns: unknown[][];
  length: number;
}

/**
 * The portable engine: TypeScript everywhere Node runs. Each record is decoded and mapped by the
 * pipeline's decoder (JSON, Avro, Protobuf, JSON Schema), fitted to the table's columns, and held as a
 * row of column values (schemaless JSON records the short way, JsonRowReader, where it can); at flush
 * the rows of each schema and partition become one Parquet file through parquet-wasm.
 */
export class PortableTableWriter implements TableWriter {
  readonly engine = 'portable';
  private current: Omit<Segment, 'columns' | 'length'>;
  /** Per Kafka partition, its rows by the schema they were fitted to (the last segment is the current schema's). */
  private readonly held = new Map<string, Segment[]>();
  private readonly partitioned: boolean;
  private rows = 0;
  private bytes = 0;
  /** The `_kafka` metadata of the record `holdInPlace` reads (its value is not read), reused. */
  private readonly metadata: KafkaRecord = {
    topic: '',
    partition: 0,
    offset: 0n,
    timestampMs: 0n,
    key: null,
    value: null,
    headers: [],
  };

  constructor(
    private readonly config: TableWriterConfig,
    private readonly read: RecordReader,
    /** The pipeline's mapper when its values are schemaless JSON. */
    private readonly jsonMapper?: RecordMapper,
  ) {
    this.current = this.segmentOf(config.schema);
    this.partitioned = (config.spec as PartitionSpec).fields.length > 0;
  }

  async take(key: string, batch: RawBatch, from: number): Promise<TakeResult> {
    const rejected: RejectedRecord[] = [];
    // The schema does not change within a take: the partition's current segment is looked up once.
    let segment: Segment | undefined;
    const packed = batch instanceof PackedBatch ? batch : undefined;
    for (let index = from; index < batch.length; index += 1) {
      try {
        segment ??= this.segment(key);
        if (packed !== undefined && this.holdInPlace(packed, index, segment)) continue;
        const record = recordOf(batch, index);
        const values = record.value === null ? undefined : this.current.json?.read(record);
        if (values !== undefined) {
          this.hold(segment, values);
        } else {
          const fit = fitRecord(this.current.struct, await this.read(record), this.config.policy);
          if ('changes' in fit) return { taken: index, rejected, needsSchemaChange: true };
          this.hold(
            segment,
            this.current.struct.fields.map((f) => fit.row[f.name]),
          );
        }
        this.rows += 1;
        this.bytes += recordSize(record);
      } catch (error) {
        if (!(error instanceof RecordRejectedError)) throw error;
        rejected.push({ index, reason: error.reason, message: error.message });
      }
    }
    return { taken: batch.length, rejected, needsSchemaChange: false };
  }

  /**
   * A record of fetched batches held the short way (JsonRowReader.readAt) where its bytes lie: no
   * record object, Buffer or copy of its value. False: it is read the usual way.
   */
  private holdInPlace(batch: PackedBatch, index: number, segment: Segment): boolean {
    const json = this.current.json;
    const at = batch.start + index;
    const { flags, valueRanges, keyRanges, headerStarts } = batch.index;
    const flag = flags[at] as number;
    if (json === undefined || flag & 1 || headerStarts[at] !== headerStarts[at + 1]) return false;
    const metadata = this.metadata;
    metadata.topic = batch.topic;
    metadata.partition = batch.partition;
    metadata.offset = batch.offset(index);
    metadata.timestampMs = batch.timestampMs(index);
    const keyStart = keyRanges[2 * at] as number;
    const keyEnd = flag & 2 ? keyStart : (keyRanges[2 * at + 1] as number);
    metadata.key = flag & 2 ? null : batch.data.subarray(keyStart, keyEnd);
    const start = valueRanges[2 * at] as number;
    const end = valueRanges[2 * at + 1] as number;
    const values = json.readAt(batch.data, start, end, metadata);
    if (values === undefined) return false;
    this.hold(segment, values);
    this.rows += 1;
    this.bytes += end - start + keyEnd - keyStart;
    return true;
  }

  setSchema(schema: Schema): void {
    this.current = this.segmentOf(schema);
  }

  drop(keys: Iterable<string>): void {
    for (const key of keys) {
      for (const segment of this.held.get(key) ?? []) this.rows -= segment.length;
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
    const bySchema = new Map<Schema, Segment[]>();
    for (const segments of this.held.values()) {
      for (const segment of segments) {
        if (segment.length === 0) continue;
        const all = bySchema.get(segment.schema);
        if (all === undefined) bySchema.set(segment.schema, [segment]);
        else all.push(segment);
      }
    }
    this.clear();
    const files: WrittenDataFile[] = [];
    for (const [schema, segments] of bySchema) {
      if (!this.partitioned) {
        const batches = segments.map((s) => buildersToArrow(schema, s.columns, s.length));
        const written = await writeParquetFile(schema, batches, { compression: this.config.compression });
        files.push({ ...written, schemaId: schema.schemaId, partition: [] });
        continue;
      }
      const all: Group = {
        partition: [],
        columns: schema.fields.map((_, c) =>
          segments.flatMap((s) => (s.columns[c] as ColumnBuilder).heldValues() as unknown[]),
        ),
        length: segments.reduce((n, s) => n + s.length, 0),
      };
      for (const { partition, columns, length } of this.partitions(schema, all)) {
        const batches = [];
        for (let start = 0; start < length; start += ROWS_PER_BATCH) {
          const end = Math.min(length, start + ROWS_PER_BATCH);
          batches.push(
            columnsToArrow(
              schema,
              columns.map((column) => column.slice(start, end)),
              end - start,
            ),
          );
        }
        const written = await writeParquetFile(schema, batches, { compression: this.config.compression });
        files.push({ ...written, schemaId: schema.schemaId, partition });
      }
    }
    return files;
  }

  /** The rows split by partition; only a partitioned table's rows become objects, for partitionRows. */
  private partitions(schema: Schema, all: Group): Group[] {
    const spec = this.config.spec as PartitionSpec;
    const rows = Array.from({ length: all.length }, (_, i) =>
      Object.fromEntries(schema.fields.map((f, c) => [f.name, (all.columns[c] as unknown[])[i]])),
    );
    return partitionRows(schema, spec, rows).map((group) => ({
      partition: group.partition,
      columns: schema.fields.map((f) => group.rows.map((row) => row[f.name])),
      length: group.rows.length,
    }));
  }

  private hold(segment: Segment, values: readonly unknown[]): void {
    const { columns } = segment;
    let c = 0;
    try {
      for (; c < columns.length; c += 1) (columns[c] as ColumnBuilder).append(values[c]);
    } catch (error) {
      // A value that does not fit its column (a bug before this point): the row is taken back whole.
      for (let k = 0; k < c; k += 1) (columns[k] as ColumnBuilder).truncate(segment.length);
      throw error;
    }
    segment.length += 1;
  }

  private segment(key: string): Segment {
    let segments = this.held.get(key);
    if (segments === undefined) {
      segments = [];
      this.held.set(key, segments);
    }
    let last = segments[segments.length - 1];
    if (last === undefined || last.schema !== this.current.schema) {
      // A partitioned table's rows are read back as values to partition them.
      const asValues = this.partitioned;
      last = {
        ...this.current,
        columns: this.current.schema.fields.map((f) => new ColumnBuilder(f, asValues)),
        length: 0,
      };
      segments.push(last);
    }
    return last;
  }

  private segmentOf(schema: Schema): Omit<Segment, 'columns' | 'length'> {
    const struct: StructType = { type: 'struct', fields: schema.fields };
    const { mapping, policy } = this.config;
    const json = this.jsonMapper && new JsonRowReader(struct, mapping, policy, this.jsonMapper);
    return { schema, struct, json: json?.usable ? json : undefined };
  }
}
