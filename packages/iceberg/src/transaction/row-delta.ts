import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import { withinPathBounds } from '../reader/delete-files';
import type { DataFile } from '../spec/manifest';
import type { Snapshot, TableMetadata } from '../spec/table-metadata';
import type { WrittenDeletes } from '../writer/table-writer';
import { branchParent } from './branch';
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
  /** The data files (paths) this delta's deletion vectors are of: one each. */
  private readonly vectorTargets = new Set<string>();
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
   * The snapshot the deletes are planned on (their positions are rows of its data files, and its
   * deletion vectors are the ones a v3 delta's vectors merge): give it to `TableWriter.deletePositions`.
   */
  get planned(): Snapshot | undefined {
    return this.start;
  }

  /**
   * Adds delete files written beforehand (`TableWriter.deletePositions`, `deleteEqual`): the snapshot
   * removes the deletion vectors they merge, and fails with RowDeltaConflictError when a commit made
   * since the delta started removed, or deleted rows of, a data file they delete rows of.
   */
  addDeletes(written: WrittenDeletes): void {
    for (const f of written.files) {
      const wrongKind = this.formatVersion >= 3 ? f.fileFormat !== 'PUFFIN' : f.fileFormat === 'PUFFIN';
      if (f.content === 1 && wrongKind) {
        throw new Error(
          `${this.name}: ${f.filePath} is not how a v${this.formatVersion} table deletes by position (${this.formatVersion >= 3 ? 'deletion vectors' : 'Parquet position delete files'})`,
        );
      }
      const target = f.referencedDataFile;
      if (f.fileFormat === 'PUFFIN' && target !== undefined && this.vectorTargets.has(target)) {
        throw new Error(`${this.name}: ${target} already has a deletion vector in this row delta`);
      }
    }
    this.includeDeletes(written);
    for (const f of written.files)
      if (f.fileFormat === 'PUFFIN' && f.referencedDataFile !== undefined)
        this.vectorTargets.add(f.referencedDataFile);
    for (const path of written.dataFiles) this.referenced.add(path);
    for (const f of written.replaces) this.replacedVectors.add(f.filePath);
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
