import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import { mayApplyTo } from '../reader/delete-files';
import type { LiveFile } from '../reader/live-files';
import type { DataFile } from '../spec/manifest';
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

export type ReplaceOptions = SnapshotOptions;
export type ReplaceResult = SnapshotResult;

/**
 * A file to replace is no longer in the table (another commit removed it), or a concurrent commit
 * deleted rows of a data file to replace (its rewrite would bring them back). Not retried: the rewrite
 * has to be planned again.
 */
export class RewriteConflictError extends Error {
  override name = 'RewriteConflictError';
  constructor(
    message: string,
    /** The files to replace that the table no longer holds. */
    readonly missingFiles: readonly string[],
    /** The data files to replace that a concurrent commit deleted rows of. */
    readonly deletedFrom: readonly string[] = [],
  ) {
    super(message);
  }
}

const listed = (paths: readonly string[]) =>
  `${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', ...' : ''}`;

/**
 * Replaces data files with others holding the same live rows, in one snapshot of operation "replace"
 * (a compaction's commit): it may remove position delete files too (their rows were left out of the
 * rewrite, or they apply to no live file any more) and add one that carries the deletes still needed.
 * Each attempt is built on the parent of the moment, the removed files taken out of its manifests
 * (FileRemover), so that commits made in the meantime are kept. Before each attempt
 * every file to remove must still be live in the parent, and no snapshot committed since the replace
 * was planned may have added delete files that apply to a data file it removes (the reference's
 * validateNoNewDeletesForDataFiles): else the commit fails with RewriteConflictError.
 */
export class ReplaceFiles extends SnapshotProducer {
  protected readonly operation = 'replace';
  private readonly toRemove = new Map<string, DataFile>();
  private readonly remover = new FileRemover(this.io, this.snapshotId);
  /** The branch head the replace was planned on: deletes committed after it are checked. */
  private readonly startSnapshotId: bigint | undefined;
  /** Snapshots found free of conflicting deletes: an attempt only checks those committed since. */
  private readonly checked = new Set<bigint>();

  /** Starts a replace on the table as the catalog has it now, or as given (e.g. as a rewrite was planned on it). */
  static async start(
    catalog: Catalog,
    io: FileIO,
    table: TableIdentifier | LoadedTable,
    options: ReplaceOptions = {},
  ): Promise<ReplaceFiles> {
    return new ReplaceFiles(catalog, io, await SnapshotProducer.load(catalog, table), options);
  }

  private constructor(catalog: Catalog, io: FileIO, base: LoadedTable, options: ReplaceOptions) {
    super(catalog, io, base, options);
    this.startSnapshotId = branchParent(base.metadata, this.branch, options.fromSnapshotId)?.snapshotId;
  }

  /** Data files (by path) the snapshot removes. */
  removeFiles(files: readonly DataFile[]): void {
    for (const f of files) {
      if (f.content !== 0)
        throw new Error(`${this.name}: ${f.filePath} is a delete file; removeDeleteFiles removes those`);
      this.toRemove.set(f.filePath, f);
    }
  }

  /** Position delete files (by path) the snapshot removes. */
  removeDeleteFiles(files: readonly DataFile[]): void {
    for (const f of files) {
      if (f.content !== 1) throw new Error(`${this.name}: ${f.filePath} is not a position delete file`);
      this.toRemove.set(f.filePath, f);
    }
  }

  /**
   * Adds position delete files written beforehand (`TableWriter.writePositionDeletes`): the deletes
   * still needed, of live data files the replace keeps, carried over from the delete files it removes;
   * the deletion vectors they merge, if any, are removed.
   */
  addDeletes(written: WrittenDeletes): void {
    this.includeDeletes(written);
    this.removeDeleteFiles(written.replaces);
  }

  protected checkReady(): void {
    if (this.toRemove.size === 0) throw new Error(`${this.name}: nothing to replace`);
  }

  protected async apply(attempt: Attempt): Promise<AttemptChanges> {
    const contents = new Set([...this.toRemove.values()].map((f) => (f.content === 0 ? 0 : 1) as 0 | 1));
    const { manifests, removed, missing } = await this.remover.remove(
      attempt,
      await this.parentManifests(attempt),
      new Set(this.toRemove.keys()),
      contents,
    );
    if (missing.size > 0) {
      throw new RewriteConflictError(
        `${this.name}: ${missing.size} of the files to replace are no longer in the table (a concurrent commit removed them): ${listed([...missing])}`,
        [...missing],
      );
    }
    await this.checkNewDeletes(
      attempt,
      removed.filter((f) => f.file.content === 0),
    );
    return { manifests, removed: removed.map((f) => f.file) };
  }

  /**
   * Fails when a snapshot committed since the replace was planned added delete files that may apply
   * to a data file it removes: the rewritten rows would bring the deleted ones back.
   */
  private async checkNewDeletes(attempt: Attempt, removedData: readonly LiveFile[]): Promise<void> {
    const since = committedSince(attempt.metadata, attempt.parent, this.startSnapshotId, this.checked);
    const added = (await ownChanges(this.io, attempt.metadata, since)).added.filter(
      (f) => f.file.content !== 0,
    );
    const hit = removedData.filter((data) => added.some((d) => mayApplyTo(d, data)));
    if (hit.length > 0) {
      const paths = hit.map((f) => f.file.filePath);
      throw new RewriteConflictError(
        `${this.name}: a concurrent commit deleted rows of ${paths.length} of the data files to replace: ${listed(paths)}`,
        [],
        paths,
      );
    }
    for (const snapshot of since) this.checked.add(snapshot.snapshotId);
  }
}
