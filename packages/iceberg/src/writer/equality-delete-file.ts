import type { DataFile } from '../spec/manifest';
import type { Schema } from '../spec/schema';
import type { IcebergValue } from '../spec/values';
import { type DataFileTarget, storeDataFile } from './data-file';
import { writeParquetFile } from './parquet-writer';
import { type Row, rowsToArrow } from './rows-to-arrow';

/**
 * Writes one equality delete file of `partition`: rows of `deleteSchema` (the table's equality fields,
 * with their ids), each deleting the table's older rows whose values of those fields are equal.
 */
export async function writeEqualityDeleteFile(
  target: DataFileTarget,
  deleteSchema: Schema,
  rows: readonly Row[],
  partition: IcebergValue[],
): Promise<DataFile> {
  if (rows.length === 0) throw new Error('an equality delete file needs at least one row');
  const written = await writeParquetFile(deleteSchema, [rowsToArrow(deleteSchema, rows)], target.parquet);
  const file = await storeDataFile(target, written, partition, 2);
  file.equalityIds = deleteSchema.fields.map((f) => f.id);
  return file;
}
