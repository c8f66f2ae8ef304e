import type { DataFile } from '../spec/manifest';
import type { Schema } from '../spec/schema';
import { T } from '../spec/types';
import type { IcebergValue } from '../spec/values';
import { type DataFileTarget, storeDataFile } from './data-file';
import { writeParquetFile } from './parquet-writer';
import { rowsToArrow } from './rows-to-arrow';

/** The columns of a position delete file, with the ids the spec reserves for them. */
export const POSITION_DELETE_SCHEMA: Schema = {
  schemaId: 0,
  fields: [
    { id: 2147483546, name: 'file_path', required: true, type: T.string },
    { id: 2147483545, name: 'pos', required: true, type: T.long },
  ],
  identifierFieldIds: [],
};

/** Rows to delete: a data file of the table and the positions (from 0) of rows in it. */
export interface PositionDeletes {
  dataFile: DataFile;
  positions: readonly bigint[];
}

/**
 * Writes one position delete file for data files of one partition (`partition`, which the delete
 * file takes), its rows sorted by file path then position as the spec requires.
 */
export async function writePositionDeleteFile(
  target: DataFileTarget,
  deletes: readonly PositionDeletes[],
  partition: IcebergValue[],
): Promise<DataFile> {
  const rows = deletes
    .flatMap(({ dataFile, positions }) => positions.map((pos) => ({ file_path: dataFile.filePath, pos })))
    .sort((a, b) =>
      a.file_path === b.file_path ? Number(a.pos - b.pos) : a.file_path < b.file_path ? -1 : 1,
    );
  if (rows.length === 0) throw new Error('a position delete file needs at least one position');
  // file_path bounds in full, as the reference writes them: they tell which data files the deletes apply to.
  const written = await writeParquetFile(
    POSITION_DELETE_SCHEMA,
    [rowsToArrow(POSITION_DELETE_SCHEMA, rows)],
    {
      ...target.parquet,
      truncateLength: Number.MAX_SAFE_INTEGER,
    },
  );
  return storeDataFile(target, written, partition, 1);
}
