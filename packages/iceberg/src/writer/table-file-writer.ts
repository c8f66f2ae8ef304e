import { randomUUID } from 'node:crypto';
import type { RecordBatch } from 'apache-arrow';
import { type LoadedTable, tableName } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import type { DataFile } from '../spec/manifest';
import type { PartitionSpec } from '../spec/partition-spec';
import type { Schema } from '../spec/schema';
import { currentSchema, defaultSpec } from '../spec/table-metadata';
import type { IcebergValue } from '../spec/values';
import { type DataFileTarget, storeDataFile } from './data-file';
import type { ParquetWriteOptions, WrittenParquet } from './parquet-writer';
import { batchPartition, partitionRows, tupleKey } from './partitioning';
import { type PositionDeletes, writePositionDeleteFile } from './position-delete-file';
import { RollingDataWriter, targetFileSize } from './rolling-writer';
import { type Row, rowsToArrow } from './rows-to-arrow';

export interface TableFileWriterOptions {
  /** Data files are cut near this size (default: the table's write.target-file-size-bytes, else 128 MiB). */
  targetFileSizeBytes?: number;
  parquet?: ParquetWriteOptions;
}

/** Rows go to Arrow in chunks of this many, so the rolling writer can cut files between them. */
const ROWS_PER_BATCH = 16_384;

/**
 * Writes the new files of one change to a table — data files from rows or Arrow batches, position
 * delete files, or Parquet an engine wrote — with the table's current schema, where the table keeps
 * its data, under names no other writer uses; and remembers them, so that a change that will not be
 * committed removes them (`abort`, or a snapshot told to `removeOnFailure`). An action (FastAppend,
 * ReplaceFiles, RowDelta) then commits the DataFile entries it returns.
 */
export class TableFileWriter {
  /** Every file this writer makes is named after it. */
  readonly prefix = randomUUID();
  readonly schema: Schema;
  /** The table's default spec: files go there unless told. */
  readonly spec: PartitionSpec;
  private readonly written: string[] = [];
  private count = 0;

  constructor(
    private readonly io: FileIO,
    private readonly table: LoadedTable,
    private readonly options: TableFileWriterOptions = {},
  ) {
    this.schema = currentSchema(table.metadata);
    this.spec = defaultSpec(table.metadata);
  }

  /** The locations of every file written so far. */
  get files(): readonly string[] {
    return this.written;
  }

  /** Writes rows (spec/values.ts forms) as data files of `spec`, by partition, cut near the target size. */
  async writeRows(rows: readonly Row[], spec: PartitionSpec = this.spec): Promise<DataFile[]> {
    return this.named(async () => {
      const files: DataFile[] = [];
      for (const group of partitionRows(this.schema, spec, rows)) {
        const writer = this.rolling(group.partition, spec);
        for (let start = 0; start < group.rows.length; start += ROWS_PER_BATCH) {
          await writer.write(rowsToArrow(this.schema, group.rows.slice(start, start + ROWS_PER_BATCH)));
        }
        files.push(...(await writer.close()));
      }
      return files;
    });
  }

  /**
   * Writes Arrow batches of the table's Arrow form (`arrowSchema(schema)`, e.g. from `rowsToArrow`) as
   * data files of `spec` cut near the target size; all their rows must be in one partition.
   */
  async writeBatches(batches: readonly RecordBatch[], spec: PartitionSpec = this.spec): Promise<DataFile[]> {
    return this.named(async () => {
      const writer = this.rolling(batchPartition(this.schema, spec, batches), spec);
      for (const batch of batches) await writer.write(batch);
      return writer.close();
    });
  }

  /**
   * A writer of one partition's rows (Arrow batches of the current schema) in `spec`, cutting files
   * near the target size; `expectedBytesPerRow` sizes the first file when it is known beforehand.
   */
  rolling(
    partition: IcebergValue[],
    spec: PartitionSpec = this.spec,
    expectedBytesPerRow?: number,
  ): RollingDataWriter {
    return new RollingDataWriter(this.target(spec), partition, expectedBytesPerRow);
  }

  /**
   * Writes position delete files for rows of data files in `spec`, one per partition of those data
   * files; positions count from 0 in each data file, and a data file without positions is skipped.
   */
  async writePositionDeletes(
    deletes: readonly PositionDeletes[],
    spec: PartitionSpec = this.spec,
  ): Promise<DataFile[]> {
    const byPartition = new Map<string, PositionDeletes[]>();
    for (const d of deletes) {
      if (d.dataFile.content !== 0)
        throw new Error(`${this.name}: ${d.dataFile.filePath} is not a data file`);
      if (d.positions.length === 0) continue;
      if (d.dataFile.partition.length !== spec.fields.length) {
        throw new Error(`${this.name}: ${d.dataFile.filePath} is not a data file of spec ${spec.specId}`);
      }
      const key = tupleKey(d.dataFile.partition);
      byPartition.set(key, [...(byPartition.get(key) ?? []), d]);
    }
    const files: DataFile[] = [];
    for (const group of byPartition.values()) {
      const partition = (group[0] as PositionDeletes).dataFile.partition;
      files.push(await writePositionDeleteFile(this.target(spec), group, partition));
    }
    return files;
  }

  /** Puts a Parquet data file written elsewhere (e.g. by an ingest engine) in storage, in `partition` of `spec`. */
  store(
    parquet: WrittenParquet,
    partition: IcebergValue[],
    spec: PartitionSpec = this.spec,
  ): Promise<DataFile> {
    return storeDataFile(this.target(spec), parquet, partition);
  }

  /** Removes every file written, for a change that will not be committed. */
  async abort(): Promise<void> {
    const locations = this.written.splice(0);
    await Promise.allSettled(locations.map((location) => this.io.delete(location)));
  }

  private get name(): string {
    return tableName(this.table.identifier);
  }

  /** Where this writer's files of `spec` go: write.data.path, else <location>/data. */
  private target(spec: PartitionSpec): DataFileTarget {
    const { location, properties } = this.table.metadata;
    return {
      io: this.io,
      schema: this.schema,
      spec,
      dataLocation: properties['write.data.path'] ?? `${location}/data`,
      filePrefix: this.prefix,
      nextIndex: () => this.count++,
      onWritten: (file) => this.written.push(file.filePath),
      targetFileSizeBytes: targetFileSize(properties, this.options.targetFileSizeBytes),
      parquet: this.options.parquet,
    };
  }

  /** Errors of a write name the table. */
  private async named<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      throw new Error(`${this.name}: ${(error as Error).message}`, { cause: error });
    }
  }
}
