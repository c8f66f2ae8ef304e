import type { RecordBatch } from 'apache-arrow';
import type { FileIO } from '../io/file-io';
import type { DataFile } from '../spec/manifest';
import { type PartitionSpec, partitionPath } from '../spec/partition-spec';
import type { Schema } from '../spec/schema';
import type { IcebergValue } from '../spec/values';
import { type ParquetWriteOptions, type WrittenParquet, writeParquetFile } from './parquet-writer';

/** Where and how one writer (one commit) puts its data files. */
export interface DataFileTarget {
  io: FileIO;
  schema: Schema;
  spec: PartitionSpec;
  /** Folder of the table's data files (write.data.path, or <location>/data). */
  dataLocation: string;
  /** Unique per writer: file names must never collide with another writer's. */
  filePrefix: string;
  /** The number of the next file in this writer's names. */
  nextIndex: () => number;
  /** Told of each file once it is in storage, so that a failed commit can remove it. */
  onWritten: (file: DataFile) => void;
  /** Data files are cut near this size in storage (bytes). */
  targetFileSizeBytes: number;
  parquet?: ParquetWriteOptions;
}

/** Writes `batches` as one Parquet file of the given partition and describes it for a manifest. */
export async function writeDataFile(
  target: DataFileTarget,
  batches: readonly RecordBatch[],
  partition: IcebergValue[],
): Promise<DataFile> {
  return storeDataFile(target, await writeParquetFile(target.schema, batches, target.parquet), partition);
}

/**
 * Puts a Parquet file written elsewhere (e.g. by an ingest engine) in storage and describes it for a
 * manifest: a data file, or a position (`content` 1) or equality (2) delete file of the partition of the rows it deletes.
 */
export async function storeDataFile(
  target: DataFileTarget,
  { bytes, metrics }: WrittenParquet,
  partition: IcebergValue[],
  content: 0 | 1 | 2 = 0,
): Promise<DataFile> {
  const folder =
    target.spec.fields.length === 0 ? '' : `${partitionPath(target.spec, target.schema, partition)}/`;
  const kind = content === 1 ? '-deletes' : content === 2 ? '-eq-deletes' : '';
  const name = `${String(target.nextIndex()).padStart(5, '0')}-${target.filePrefix}${kind}.parquet`;
  const filePath = `${target.dataLocation}/${folder}${name}`;
  await target.io.write(filePath, bytes);
  const file: DataFile = {
    content,
    filePath,
    fileFormat: 'PARQUET',
    partition,
    recordCount: metrics.recordCount,
    fileSizeInBytes: BigInt(bytes.byteLength),
    columnSizes: metrics.columnSizes,
    valueCounts: metrics.valueCounts,
    nullValueCounts: metrics.nullValueCounts,
    nanValueCounts: metrics.nanValueCounts,
    lowerBounds: metrics.lowerBounds,
    upperBounds: metrics.upperBounds,
  };
  target.onWritten(file);
  return file;
}
