import { type RecordBatch, tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { type LoadedTable, tableName } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import type { Schema } from '../spec/schema';
import { currentSchema } from '../spec/table-metadata';
import type { IcebergValue } from '../spec/values';
import type { Row } from '../writer/rows-to-arrow';
import { batchRows } from './arrow-rows';
import { withoutPositions } from './arrow-take';
import type { LiveFile } from './live-files';
import { type ProjectionConstants, projectBatch } from './project';

/** Identity partition values stand in for their source columns where a file lacks them. */
function identityConstants(table: LoadedTable, file: LiveFile): ProjectionConstants {
  const spec = table.metadata.partitionSpecs.find((s) => s.specId === file.specId);
  const constants = new Map<number, IcebergValue>();
  spec?.fields.forEach((f, i) => {
    if (f.transform.kind === 'identity') constants.set(f.sourceId, file.file.partition[i] ?? null);
  });
  return constants;
}

/**
 * The rows of a Parquet file's bytes as batches of `schema`'s Arrow form, columns matched by field id.
 * `columns` names the only columns to decode, for a file whose column names are known (one just
 * written with `schema`'s names): the others are not read at all.
 */
export function parquetBatches(
  bytes: Uint8Array,
  schema: Schema,
  constants: ProjectionConstants = new Map(),
  columns?: readonly string[],
): RecordBatch[] {
  const options = columns === undefined ? undefined : { columns: [...columns] };
  const arrow = tableFromIPC(parquet.readParquet(bytes, options).intoIPCStream());
  return arrow.batches.map((batch) => projectBatch(schema, batch, constants));
}

/**
 * Reads a Parquet data file as batches of `schema`'s Arrow form (default: the table's current
 * schema), columns matched by field id. Errors name the table, the file and the column.
 */
export async function readDataFile(
  io: FileIO,
  table: LoadedTable,
  file: LiveFile,
  schema: Schema = currentSchema(table.metadata),
): Promise<RecordBatch[]> {
  const { filePath, fileFormat, content, recordCount } = file.file;
  const where = `${tableName(table.identifier)}: ${filePath}`;
  if (content !== 0) throw new Error(`${where} is a delete file, not a data file`);
  if (fileFormat !== 'PARQUET')
    throw new Error(`${where} is ${fileFormat}; only Parquet data files are read`);
  const bytes = await io.read(filePath);
  let batches: RecordBatch[];
  try {
    batches = parquetBatches(bytes, schema, identityConstants(table, file));
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
  }
  const rows = batches.reduce((n, b) => n + b.numRows, 0);
  if (BigInt(rows) !== recordCount) {
    throw new Error(`${where} holds ${rows} rows, its manifest entry says ${recordCount}`);
  }
  return batches;
}

/** Reads a data file as rows in spec/values.ts form (see `readDataFile`). */
export async function readDataFileRows(
  io: FileIO,
  table: LoadedTable,
  file: LiveFile,
  schema: Schema = currentSchema(table.metadata),
): Promise<Row[]> {
  return (await readDataFile(io, table, file, schema)).flatMap((batch) => batchRows(schema, batch));
}

/**
 * Reads a data file without the rows at the `deleted` positions (from 0 in the file: what the delete
 * files that apply to it delete), as `readDataFile` reads it otherwise.
 */
export async function readLiveBatches(
  io: FileIO,
  table: LoadedTable,
  file: LiveFile,
  deleted: ReadonlySet<number>,
  schema: Schema = currentSchema(table.metadata),
): Promise<RecordBatch[]> {
  const batches = await readDataFile(io, table, file, schema);
  if (deleted.size === 0) return batches;
  let first = 0;
  const live: RecordBatch[] = [];
  for (const batch of batches) {
    const kept = withoutPositions(batch, first, deleted);
    first += batch.numRows;
    if (kept.numRows > 0) live.push(kept);
  }
  return live;
}
