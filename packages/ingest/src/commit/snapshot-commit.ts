import {
  type Catalog,
  type DataFile,
  FastAppend,
  type FileIO,
  TableWriter as IcebergTableWriter,
  type PartitionSpec,
  RowDelta,
  type Schema,
  type Snapshot,
  type TableIdentifier,
  type TableMetadata,
} from '@floe/iceberg';
import type { ChangeSet } from '../changes/change-set';
import type { Timed } from './stored-files';

export interface SnapshotCommit {
  catalog: Catalog;
  io: FileIO;
  id: TableIdentifier;
  maxCommitAttempts?: number;
  /** Upsert or CDC: the commit also deletes the rows these changes replace. */
  changes?: ChangeSet;
  schema: Schema;
  files: readonly DataFile[];
  spec: PartitionSpec | undefined;
  /** The summary (the pipeline's offsets) of the snapshot on `metadata`; throws to fence the commit. */
  summary: (parent: Snapshot | undefined, metadata: TableMetadata) => Record<string, string>;
  time: Timed;
}

/**
 * Lands a sink's stored files in one snapshot: an append (empty when only offsets moved), or for
 * keyed changes a row delta planned on the table as it is now, with the delete files its changes
 * need (positions in that table, or equality deletes on the key). The sink keeps what it holds;
 * this is only the catalog side of its commit.
 */
export async function commitSnapshot(commit: SnapshotCommit) {
  const { catalog, io, id, changes, schema, files, spec, summary, time } = commit;
  const options = {
    summary,
    ...(commit.maxCommitAttempts !== undefined && { maxAttempts: commit.maxCommitAttempts }),
  };
  // Changes are committed as a row delta planned on the table as it is now (its deletes are positions in it).
  const planned = changes === undefined ? undefined : await catalog.loadTable(id);
  const deletes = planned === undefined ? [] : await (changes as ChangeSet).deletes(planned, schema);
  const equal = changes?.byEquality ? changes.equalityDeletes(schema) : undefined;
  const snapshot =
    planned !== undefined && (deletes.length > 0 || files.length > 0 || (equal?.rows.length ?? 0) > 0)
      ? await RowDelta.start(catalog, io, planned, options)
      : await FastAppend.start(catalog, io, id, { ...options, allowEmpty: true });
  if (files.length > 0) snapshot.addDataFiles(files, spec);
  if (snapshot instanceof RowDelta) {
    // Delete files are written for the delta, on the table it is planned on, and go if it fails.
    const deleteWriter = new IcebergTableWriter(io, snapshot.table);
    snapshot.removeOnFailure(deleteWriter);
    if (deletes.length > 0)
      snapshot.addDeletes(await deleteWriter.deletePositions(deletes, spec, snapshot.planned));
    if (equal !== undefined && equal.rows.length > 0)
      snapshot.addDeletes(await deleteWriter.deleteEqual(equal.rows, equal.schema, spec));
  }
  const result = await time('commit', () => snapshot.commit());
  changes?.committed(result.table, result.snapshotId, planned?.metadata.currentSnapshotId ?? undefined);
  return result;
}
