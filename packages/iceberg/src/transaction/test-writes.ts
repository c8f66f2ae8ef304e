import type { RecordBatch } from 'apache-arrow';
import type { FileIO } from '../io/file-io';
import type { DataFile } from '../spec/manifest';
import type { PartitionSpec } from '../spec/partition-spec';
import type { PositionDeletes } from '../writer/position-delete-file';
import type { Row } from '../writer/rows-to-arrow';
import { TableWriter, type TableWriterOptions } from '../writer/table-writer';
import type { RowDelta } from './row-delta';
import type { SnapshotProducer } from './snapshot-producer';

/**
 * Test helpers: files written for an action on the table it started on, by a TableWriter the action
 * owns (removed if its commit definitely fails), then handed to it, as callers do.
 */
function ownWriter(action: SnapshotProducer, io: FileIO, options?: TableWriterOptions): TableWriter {
  const writer = new TableWriter(io, action.table, options);
  action.removeOnFailure(writer);
  return writer;
}

/** Writes rows as data files (by partition) and adds them to the action. */
export async function addRows(
  action: SnapshotProducer,
  io: FileIO,
  rows: readonly Row[],
  options?: TableWriterOptions,
): Promise<DataFile[]> {
  const files = await ownWriter(action, io, options).writeRows(rows);
  action.addDataFiles(files);
  return files;
}

/** Writes Arrow batches of one partition as data files and adds them to the action. */
export async function addBatches(
  action: SnapshotProducer,
  io: FileIO,
  batches: readonly RecordBatch[],
): Promise<DataFile[]> {
  const files = await ownWriter(action, io).writeBatches(batches);
  action.addDataFiles(files);
  return files;
}

/** Writes position deletes as the table's format wants them, planned on the delta's start, and adds them. */
export async function deletePositions(
  delta: RowDelta,
  io: FileIO,
  deletes: readonly PositionDeletes[],
  spec?: PartitionSpec,
): Promise<DataFile[]> {
  const written = await ownWriter(delta, io).deletePositions(deletes, spec, delta.planned);
  delta.addDeletes(written);
  return written.files;
}
