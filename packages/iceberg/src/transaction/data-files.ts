import type { RecordBatch } from 'apache-arrow';
import type { FileIO } from '../io/file-io';
import type { DataFile } from '../spec/manifest';
import { type PartitionSpec, partitionPath, partitionValues } from '../spec/partition-spec';
import { type Schema, schemaStruct } from '../spec/schema';
import type { IcebergType } from '../spec/types';
import type { IcebergValue } from '../spec/values';
import { columnReader } from '../writer/arrow-values';
import { type ParquetWriteOptions, writeParquetFile } from '../writer/parquet-writer';
import { type Row, rowsToArrow } from '../writer/rows-to-arrow';

/** How a row reaches each partition source column: its path of names, through structs only. */
function sourcePaths(schema: Schema): Map<number, string[]> {
  const paths = new Map<number, string[]>();
  const visit = (type: IcebergType, prefix: string[]) => {
    if (type.type !== 'struct') return;
    for (const f of type.fields) {
      paths.set(f.id, [...prefix, f.name]);
      visit(f.type, [...prefix, f.name]);
    }
  };
  visit(schemaStruct(schema), []);
  return paths;
}

function valueAt(row: Row, path: readonly string[]): IcebergValue {
  let current: unknown = row;
  for (const name of path) {
    if (current == null) return null;
    current = (current as Row)[name];
  }
  return (current ?? null) as IcebergValue;
}

// A grouping key that tells apart values of every kind a partition tuple holds.
function tupleKey(values: readonly IcebergValue[]): string {
  return values
    .map((v) =>
      v === null
        ? 'null'
        : v instanceof Uint8Array
          ? `b:${Buffer.from(v).toString('hex')}`
          : `${typeof v}:${String(v)}`,
    )
    .join('/');
}

/** Splits rows by their partition tuple (in first-seen order). */
export function partitionRows(
  schema: Schema,
  spec: PartitionSpec,
  rows: readonly Row[],
): { partition: IcebergValue[]; rows: Row[] }[] {
  const paths = sourcePaths(schema);
  const groups = new Map<string, { partition: IcebergValue[]; rows: Row[] }>();
  for (const row of rows) {
    const partition = partitionValues(spec, schema, (id) => valueAt(row, paths.get(id) ?? []));
    const key = tupleKey(partition);
    let group = groups.get(key);
    if (group === undefined) {
      group = { partition, rows: [] };
      groups.set(key, group);
    }
    group.rows.push(row);
  }
  return [...groups.values()];
}

export interface DataFileTarget {
  io: FileIO;
  schema: Schema;
  spec: PartitionSpec;
  /** Folder of the table's data files (write.data.path, or <location>/data). */
  dataLocation: string;
  /** Unique per writer: file names must never collide with another writer's. */
  filePrefix: string;
  parquet?: ParquetWriteOptions;
}

/** Writes `batches` as one Parquet file of the given partition and describes it for a manifest. */
export async function writeDataFile(
  target: DataFileTarget,
  batches: readonly RecordBatch[],
  partition: IcebergValue[],
  index: number,
): Promise<DataFile> {
  const { bytes, metrics } = await writeParquetFile(target.schema, batches, target.parquet);
  const folder =
    target.spec.fields.length === 0 ? '' : `${partitionPath(target.spec, target.schema, partition)}/`;
  const filePath = `${target.dataLocation}/${folder}${String(index).padStart(5, '0')}-${target.filePrefix}.parquet`;
  await target.io.write(filePath, bytes);
  return {
    content: 0,
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
}

/** Writes one Parquet file per partition of `rows`. */
export async function writeDataFiles(
  target: DataFileTarget,
  rows: readonly Row[],
  firstIndex: number,
): Promise<DataFile[]> {
  const files: DataFile[] = [];
  for (const [i, group] of partitionRows(target.schema, target.spec, rows).entries()) {
    files.push(
      await writeDataFile(target, [rowsToArrow(target.schema, group.rows)], group.partition, firstIndex + i),
    );
  }
  return files;
}

/**
 * The one partition tuple every row of `batches` has; throws naming the first row that differs
 * (Arrow input is written as it comes, so a caller splits it by partition first).
 */
export function batchPartition(
  schema: Schema,
  spec: PartitionSpec,
  batches: readonly RecordBatch[],
): IcebergValue[] {
  let first: { partition: IcebergValue[]; key: string } | undefined;
  for (const [b, batch] of batches.entries()) {
    const readers = new Map(spec.fields.map((f) => [f.sourceId, columnReader(schema, batch, f.sourceId)]));
    for (let row = 0; row < batch.numRows; row += 1) {
      const partition = partitionValues(spec, schema, (id) =>
        (readers.get(id) as (r: number) => IcebergValue)(row),
      );
      const key = tupleKey(partition);
      if (first === undefined) first = { partition, key };
      else if (key !== first.key) {
        throw new Error(
          `batch ${b} row ${row} is in partition ${partitionPath(spec, schema, partition)}, not ${partitionPath(spec, schema, first.partition)}: write one partition per call`,
        );
      }
    }
  }
  return first?.partition ?? spec.fields.map(() => null);
}
