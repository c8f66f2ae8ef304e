import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import { readPositionDeletes, withinPathBounds } from '../reader/delete-files';
import { type LiveFile, liveFiles } from '../reader/live-files';
import type { DataFile } from '../spec/manifest';
import type { PartitionSpec } from '../spec/partition-spec';
import type { Schema } from '../spec/schema';
import type { Snapshot, TableMetadata } from '../spec/table-metadata';
import { writeDeletionVector } from '../writer/deletion-vector-file';
import { writeEqualityDeleteFile } from '../writer/equality-delete-file';
import { type PositionDeletes, writePositionDeleteFile } from '../writer/position-delete-file';
import type { Row } from '../writer/rows-to-arrow';
import { branchParent } from './branch';
import { partitionRows } from './data-files';
import { FileRemover } from './remove-files';
import {
  type Attempt,
  type AttemptChanges,
  type SnapshotOptions,
  SnapshotProducer,
  type SnapshotResult,
} from './snapshot-producer';
import { committedSince, ownChanges } from './validate';

export type RowDeltaOptions = SnapshotOptions;
export type RowDeltaResult = SnapshotResult;

/**
 * A commit made since the row delta started touched the data files its deletes apply to: it removed
 * one (a compaction, an overwrite) or deleted rows of one too. Not retried: the delta's positions may
 * no longer hold, so it has to be planned again on the new head.
 */
export class RowDeltaConflictError extends Error {
  override name = 'RowDeltaConflictError';
  constructor(
    message: string,
    /** The data files (paths) the conflicting commits touched. */
    readonly dataFiles: readonly string[],
  ) {
    super(message);
  }
}

/**
 * Data files and position deletes in one snapshot (an upsert: the rows' new versions added, the old
 * ones deleted by position), of operation "overwrite", or "delete" when it adds no data file (as the
 * spec and the reference name them). On a format v2 table the deletes are Parquet position delete
 * files; on v3, deletion vectors (one per data file: a data file's vector in the table is merged into
 * the new one and removed in the same snapshot, as v3 allows one per data file). The parent's
 * manifests are carried; the delete files go in delete manifests of their own. Before each attempt,
 * the snapshots committed to the branch since the delta started are checked: if one removed a data
 * file the deletes apply to, or added delete files that may apply to one, the commit fails with
 * RowDeltaConflictError (the reference's validateDataFilesExist and validateNoConflictingDeleteFiles).
 */
export class RowDelta extends SnapshotProducer {
  /** The data files (paths) the delete files apply to. */
  private readonly referenced = new Set<string>();
  /** The branch head the delta was planned on: later snapshots are checked for conflicts. */
  private readonly start: Snapshot | undefined;
  private readonly startSnapshotId: bigint | undefined;
  /** Deletion vectors in the table that this delta's vectors merge, by path: removed by the snapshot. */
  private readonly replacedVectors = new Set<string>();
  private readonly remover = new FileRemover(this.io, this.snapshotId);
  /** Snapshots found free of conflicts: an attempt only checks those committed since the last. */
  private readonly checked = new Set<bigint>();

  /** Starts a row delta on the table as the catalog has it now, or as given (as its deletes were planned on it). */
  static async start(
    catalog: Catalog,
    io: FileIO,
    table: TableIdentifier | LoadedTable,
    options: RowDeltaOptions = {},
  ): Promise<RowDelta> {
    return new RowDelta(catalog, io, await SnapshotProducer.load(catalog, table), options);
  }

  private constructor(catalog: Catalog, io: FileIO, base: LoadedTable, options: RowDeltaOptions) {
    super(catalog, io, base, options);
    this.start = branchParent(base.metadata, this.branch, options.fromSnapshotId);
    this.startSnapshotId = this.start?.snapshotId;
  }

  protected get operation(): 'overwrite' | 'delete' {
    return this.addedFiles().length > 0 ? 'overwrite' : 'delete';
  }

  /**
   * Deletes rows of data files in `spec` (default: the default spec); positions count from 0 in each
   * data file. On a v2 table: position delete files, one per partition of those data files; on v3:
   * deletion vectors, one per data file.
   */
  async deletePositions(
    deletes: readonly PositionDeletes[],
    spec: PartitionSpec = this.spec,
  ): Promise<DataFile[]> {
    for (const d of deletes) {
      if (d.dataFile.content !== 0)
        throw new Error(`${this.name}: ${d.dataFile.filePath} is not a data file`);
      if (d.dataFile.partition.length !== spec.fields.length) {
        throw new Error(`${this.name}: ${d.dataFile.filePath} is not a data file of spec ${spec.specId}`);
      }
    }
    const files =
      this.formatVersion >= 3
        ? await this.writeVectors(deletes, spec)
        : await this.writePositionDeletes(deletes, spec);
    for (const d of deletes) if (d.positions.length > 0) this.referenced.add(d.dataFile.filePath);
    this.includeDeletes(spec, files);
    return files;
  }

  /**
   * Deletes the table's rows (those committed before this delta) whose values of `deleteSchema`'s
   * fields equal one of `rows`: equality delete files in `spec` (default: the default spec), one per
   * partition, which needs every partition source field among the equality fields.
   */
  async deleteEqual(
    rows: readonly Row[],
    deleteSchema: Schema,
    spec: PartitionSpec = this.spec,
  ): Promise<DataFile[]> {
    const ids = new Set(deleteSchema.fields.map((f) => f.id));
    const outside = spec.fields.find((f) => !ids.has(f.sourceId));
    if (outside !== undefined) {
      throw new Error(
        `${this.name}: equality deletes on ${deleteSchema.fields.map((f) => f.name).join(', ')} cannot say which partition they apply to: partition field ${outside.name} comes from another column`,
      );
    }
    const files: DataFile[] = [];
    for (const group of partitionRows(deleteSchema, spec, rows)) {
      files.push(await writeEqualityDeleteFile(this.target(spec), deleteSchema, group.rows, group.partition));
    }
    this.includeDeletes(spec, files);
    return files;
  }

  private async writePositionDeletes(
    deletes: readonly PositionDeletes[],
    spec: PartitionSpec,
  ): Promise<DataFile[]> {
    const byPartition = new Map<string, PositionDeletes[]>();
    for (const d of deletes) {
      if (d.positions.length === 0) continue;
      const key = JSON.stringify(d.dataFile.partition, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
      byPartition.set(key, [...(byPartition.get(key) ?? []), d]);
    }
    const files: DataFile[] = [];
    for (const group of byPartition.values()) {
      const partition = (group[0] as PositionDeletes).dataFile.partition;
      files.push(await writePositionDeleteFile(this.target(spec), group, partition));
    }
    return files;
  }

  /** One deletion vector per data file, holding the rows its vector in the table (if any) deletes too. */
  private async writeVectors(deletes: readonly PositionDeletes[], spec: PartitionSpec): Promise<DataFile[]> {
    const byFile = new Map<string, { dataFile: DataFile; positions: Set<number> }>();
    for (const d of deletes) {
      if (d.positions.length === 0) continue;
      if (this.referenced.has(d.dataFile.filePath)) {
        throw new Error(
          `${this.name}: ${d.dataFile.filePath} already has a deletion vector in this row delta`,
        );
      }
      const entry = byFile.get(d.dataFile.filePath) ?? { dataFile: d.dataFile, positions: new Set() };
      for (const pos of d.positions) entry.positions.add(Number(pos));
      byFile.set(d.dataFile.filePath, entry);
    }
    if (byFile.size === 0) return [];
    const existing = await this.vectorsOf(new Set(byFile.keys()));
    const files: DataFile[] = [];
    for (const { dataFile, positions } of byFile.values()) {
      const old = existing.get(dataFile.filePath);
      if (old !== undefined) {
        for (const pos of (await readPositionDeletes(this.io, old.file)).get(dataFile.filePath) ?? [])
          positions.add(pos);
        this.replacedVectors.add(old.file.filePath);
      }
      files.push(await writeDeletionVector(this.target(spec), dataFile, positions));
    }
    return files;
  }

  /**
   * The deletion vectors the start snapshot holds for these data files, by data file path. Files are
   * removed by path, so a Puffin file holding vectors of other data files too (as other writers make
   * them) is refused rather than removed with the vectors it still holds.
   */
  private async vectorsOf(paths: ReadonlySet<string>): Promise<Map<string, LiveFile>> {
    const found = new Map<string, LiveFile>();
    const perPuffin = new Map<string, number>();
    for (const f of await liveFiles(this.io, this.base.metadata, this.start, 1)) {
      const target = f.file.referencedDataFile;
      if (f.file.fileFormat !== 'PUFFIN' || target === undefined) continue;
      perPuffin.set(f.file.filePath, (perPuffin.get(f.file.filePath) ?? 0) + 1);
      if (paths.has(target)) found.set(target, f);
    }
    for (const f of found.values()) {
      if ((perPuffin.get(f.file.filePath) ?? 0) > 1) {
        throw new Error(
          `${this.name}: ${f.file.filePath} holds the deletion vectors of several data files (another writer's); Floe replaces a vector only in a Puffin file of its own`,
        );
      }
    }
    return found;
  }

  protected checkReady(): void {
    if (this.addedFiles().length === 0 && this.addedDeleteFiles().length === 0) {
      throw new Error(`${this.name}: a row delta needs data or delete files`);
    }
  }

  protected async apply(attempt: Attempt): Promise<AttemptChanges> {
    await this.checkConcurrentCommits(attempt.metadata, attempt.parent);
    const manifests = await this.parentManifests(attempt);
    if (this.replacedVectors.size === 0) return { manifests, removed: [] };
    const removal = await this.remover.remove(attempt, manifests, this.replacedVectors, new Set([1]));
    if (removal.missing.size > 0) {
      throw new RowDeltaConflictError(
        `${this.name}: a concurrent commit removed ${removal.missing.size} of the deletion vectors this row delta merges`,
        [],
      );
    }
    return { manifests: removal.manifests, removed: removal.removed.map((f) => f.file) };
  }

  /** Every snapshot between the start and the attempt's parent, read for removed data files and new deletes. */
  private async checkConcurrentCommits(metadata: TableMetadata, parent: Snapshot | undefined): Promise<void> {
    if (this.referenced.size === 0) return;
    const since = committedSince(metadata, parent, this.startSnapshotId, this.checked);
    const { added, removed } = await ownChanges(this.io, metadata, since);
    const touched = new Set<string>();
    for (const { file } of removed) {
      if (file.content === 0 && this.referenced.has(file.filePath)) touched.add(file.filePath);
    }
    for (const { file } of added) {
      if (file.content !== 0) for (const path of this.mayApplyTo(file)) touched.add(path);
    }
    if (touched.size > 0) {
      const shown = [...touched].slice(0, 3).join(', ');
      throw new RowDeltaConflictError(
        `${this.name}: a concurrent commit removed or deleted rows of ${touched.size} of the data files this row delta deletes from: ${shown}${touched.size > 3 ? ', ...' : ''}`,
        [...touched],
      );
    }
    for (const snapshot of since) this.checked.add(snapshot.snapshotId);
  }

  /**
   * The referenced data files a delete file may apply to: for a position delete file, those within
   * its file_path bounds (all when it has none); an equality delete file may apply to any.
   */
  private mayApplyTo(deleteFile: DataFile): string[] {
    return [...this.referenced].filter(
      (path) => deleteFile.content !== 1 || withinPathBounds(deleteFile, path),
    );
  }
}
