import { randomUUID } from 'node:crypto';
import type { RecordBatch } from 'apache-arrow';
import { type LoadedTable, tableName } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import { readPositionDeletes } from '../reader/delete-files';
import { type LiveFile, liveFiles } from '../reader/live-files';
import type { DataFile } from '../spec/manifest';
import type { PartitionSpec } from '../spec/partition-spec';
import type { Schema } from '../spec/schema';
import { currentSchema, currentSnapshot, defaultSpec, type Snapshot } from '../spec/table-metadata';
import { type IcebergValue, tupleKey } from '../spec/values';
import type { DataFileTarget } from './data-file';
import { writeDeletionVector } from './deletion-vector-file';
import { writeEqualityDeleteFile } from './equality-delete-file';
import type { ParquetWriteOptions } from './parquet-writer';
import { batchPartition, partitionRows } from './partitioning';
import { type PositionDeletes, writePositionDeleteFile } from './position-delete-file';
import { RollingDataWriter, targetFileSize } from './rolling-writer';
import { type Row, rowsToArrow } from './rows-to-arrow';

export interface TableWriterOptions {
  /** Data files are cut near this size (default: the table's write.target-file-size-bytes, else 128 MiB). */
  targetFileSizeBytes?: number;
  parquet?: ParquetWriteOptions;
}

/** Delete files written for one change, and what a commit of them has to know. */
export interface WrittenDeletes {
  spec: PartitionSpec;
  files: DataFile[];
  /**
   * The data files (paths) whose rows they delete by position: a row delta fails when a commit made
   * since it was planned removed one or deleted rows of one. None for equality deletes.
   */
  dataFiles: string[];
  /** Deletion vectors in the table that `files` merge (one per data file on v3): the commit removes them. */
  replaces: DataFile[];
}

/** Rows go to Arrow in chunks of this many, so the rolling writer can cut files between them. */
const ROWS_PER_BATCH = 16_384;

/**
 * Writes the new files of one change to a table, with its current schema, where it keeps its data
 * (write.data.path, else <location>/data), under names no other writer uses: data files by partition
 * (rows, or Arrow batches through a rolling writer per partition), position deletes (Parquet on a v2
 * table, deletion vectors on v3) and equality deletes. It remembers what it wrote, so that a change
 * that will not be committed removes it (`abort`, or an action told to `removeOnFailure`). The actions
 * (FastAppend, ReplaceFiles, RowDelta) then commit the files it returns.
 */
export class TableWriter {
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
    private readonly options: TableWriterOptions = {},
  ) {
    this.schema = currentSchema(table.metadata);
    this.spec = defaultSpec(table.metadata);
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
   * Deletes rows of data files in `spec` (positions from 0 in each data file) as the table's format
   * wants it: on v2, Parquet position delete files (`writePositionDeletes`); on v3, one deletion vector
   * per data file holding the rows its vector in `from` (default: the current snapshot) deletes too.
   */
  async deletePositions(
    deletes: readonly PositionDeletes[],
    spec: PartitionSpec = this.spec,
    from: Snapshot | undefined = currentSnapshot(this.table.metadata),
  ): Promise<WrittenDeletes> {
    return this.table.metadata.formatVersion >= 3
      ? this.named(() => this.writeVectors(deletes, spec, from))
      : this.writePositionDeletes(deletes, spec);
  }

  /**
   * Parquet position delete files for rows of data files in `spec`, one per partition of those data
   * files (a data file without positions is skipped).
   */
  async writePositionDeletes(
    deletes: readonly PositionDeletes[],
    spec: PartitionSpec = this.spec,
  ): Promise<WrittenDeletes> {
    return this.named(async () => {
      const byPartition = new Map<string, PositionDeletes[]>();
      for (const d of this.deletesOf(deletes, spec)) {
        const key = tupleKey(d.dataFile.partition);
        byPartition.set(key, [...(byPartition.get(key) ?? []), d]);
      }
      const files: DataFile[] = [];
      for (const group of byPartition.values()) {
        const partition = (group[0] as PositionDeletes).dataFile.partition;
        files.push(await writePositionDeleteFile(this.target(spec), group, partition));
      }
      return {
        spec,
        files,
        dataFiles: [...byPartition.values()].flat().map((d) => d.dataFile.filePath),
        replaces: [],
      };
    });
  }

  /**
   * Deletes the table's rows (those committed before the change) whose values of `deleteSchema`'s
   * fields equal one of `rows`: equality delete files in `spec`, one per partition, which needs every
   * partition source field among the equality fields.
   */
  async deleteEqual(
    rows: readonly Row[],
    deleteSchema: Schema,
    spec: PartitionSpec = this.spec,
  ): Promise<WrittenDeletes> {
    return this.named(async () => {
      const ids = new Set(deleteSchema.fields.map((f) => f.id));
      const outside = spec.fields.find((f) => !ids.has(f.sourceId));
      if (outside !== undefined) {
        throw new Error(
          `equality deletes on ${deleteSchema.fields.map((f) => f.name).join(', ')} cannot say which partition they apply to: partition field ${outside.name} comes from another column`,
        );
      }
      const files: DataFile[] = [];
      for (const group of partitionRows(deleteSchema, spec, rows)) {
        files.push(
          await writeEqualityDeleteFile(this.target(spec), deleteSchema, group.rows, group.partition),
        );
      }
      return { spec, files, dataFiles: [], replaces: [] };
    });
  }

  /** Removes every file written, for a change that will not be committed. */
  async abort(): Promise<void> {
    const locations = this.written.splice(0);
    await Promise.allSettled(locations.map((location) => this.io.delete(location)));
  }

  /** The deletes that delete rows, checked to be of data files in `spec`. */
  private deletesOf(deletes: readonly PositionDeletes[], spec: PartitionSpec): PositionDeletes[] {
    for (const d of deletes) {
      if (d.dataFile.content !== 0) throw new Error(`${d.dataFile.filePath} is not a data file`);
      if (d.dataFile.partition.length !== spec.fields.length) {
        throw new Error(`${d.dataFile.filePath} is not a data file of spec ${spec.specId}`);
      }
    }
    return deletes.filter((d) => d.positions.length > 0);
  }

  /** One deletion vector per data file, holding the rows its vector in `from` (if any) deletes too. */
  private async writeVectors(
    deletes: readonly PositionDeletes[],
    spec: PartitionSpec,
    from: Snapshot | undefined,
  ): Promise<WrittenDeletes> {
    const byFile = new Map<string, { dataFile: DataFile; positions: Set<number> }>();
    for (const d of this.deletesOf(deletes, spec)) {
      const entry = byFile.get(d.dataFile.filePath) ?? { dataFile: d.dataFile, positions: new Set() };
      for (const pos of d.positions) entry.positions.add(Number(pos));
      byFile.set(d.dataFile.filePath, entry);
    }
    const written: WrittenDeletes = { spec, files: [], dataFiles: [...byFile.keys()], replaces: [] };
    if (byFile.size === 0) return written;
    const existing = await this.vectorsOf(new Set(byFile.keys()), from);
    for (const { dataFile, positions } of byFile.values()) {
      const old = existing.get(dataFile.filePath);
      if (old !== undefined) {
        for (const pos of (await readPositionDeletes(this.io, old.file)).get(dataFile.filePath) ?? [])
          positions.add(pos);
        written.replaces.push(old.file);
      }
      written.files.push(await writeDeletionVector(this.target(spec), dataFile, positions));
    }
    return written;
  }

  /**
   * The deletion vectors `from` holds for these data files, by data file path. Files are removed by
   * path, so a Puffin file holding vectors of other data files too (as other writers make them) is
   * refused rather than removed with the vectors it still holds.
   */
  private async vectorsOf(
    paths: ReadonlySet<string>,
    from: Snapshot | undefined,
  ): Promise<Map<string, LiveFile>> {
    const found = new Map<string, LiveFile>();
    const perPuffin = new Map<string, number>();
    for (const f of await liveFiles(this.io, this.table.metadata, from, 1)) {
      const target = f.file.referencedDataFile;
      if (f.file.fileFormat !== 'PUFFIN' || target === undefined) continue;
      perPuffin.set(f.file.filePath, (perPuffin.get(f.file.filePath) ?? 0) + 1);
      if (paths.has(target)) found.set(target, f);
    }
    for (const f of found.values()) {
      if ((perPuffin.get(f.file.filePath) ?? 0) > 1) {
        throw new Error(
          `${f.file.filePath} holds the deletion vectors of several data files (another writer's); Floe replaces a vector only in a Puffin file of its own`,
        );
      }
    }
    return found;
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
      throw new Error(`${tableName(this.table.identifier)}: ${(error as Error).message}`, { cause: error });
    }
  }
}
