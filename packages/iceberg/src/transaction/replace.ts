import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import { type DeletedPositions, mayApplyTo, readPositionDeletes } from '../reader/delete-files';
import type { LiveFile } from '../reader/live-files';
import type { DataFile } from '../spec/manifest';
import type { ManifestFile } from '../spec/manifest-list';
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

/**
 * Where the rows of the data files a replace removes went (a compaction's MovedRows): deletes of them
 * committed while it ran are written as deletes of the rows in their new place.
 */
export interface DeleteFollower {
  /** Writes the positions deleted in removed data files (by path) as deletes of the files written in their place. */
  write(deleted: ReadonlyMap<string, ReadonlySet<number>>): Promise<WrittenDeletes[]>;
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
 * validateNoNewDeletesForDataFiles): else the commit fails with RewriteConflictError. Unless it follows
 * deletes (`followDeletes`): then position deletes and deletion vectors committed meanwhile of rows it
 * moved are written for the rows where they went and join the snapshot, and the vectors of the removed
 * files go with them, so a compaction keeps up with a table whose rows are deleted at every commit.
 */
export class ReplaceFiles extends SnapshotProducer {
  protected readonly operation = 'replace';
  private readonly toRemove = new Map<string, DataFile>();
  private readonly remover = new FileRemover(this.io, this.snapshotId);
  /** The branch head the replace was planned on: deletes committed after it are checked. */
  private readonly startSnapshotId: bigint | undefined;
  /** Snapshots found free of conflicting deletes: an attempt only checks those committed since. */
  private readonly checked = new Set<bigint>();
  private follower: DeleteFollower | undefined;
  /** Delete files committed since the start that delete rows of a removed data file, by entry (when following deletes). */
  private readonly concurrentDeletes = new Map<string, LiveFile>();
  private readonly concurrentPositions = new Map<string, Promise<DeletedPositions>>();
  /** Of those, the files (by path) that delete rows of removed data files only: removed with them. */
  private readonly removableConcurrent = new Set<string>();
  /** The deletes written for the moved rows, and how many positions of removed files they follow. */
  private following: { written: WrittenDeletes[]; positions: number } = { written: [], positions: 0 };

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

  /** Follows deletes committed while the rewrite ran instead of failing on them (see the class comment). */
  followDeletes(follower: DeleteFollower): void {
    this.follower = follower;
  }

  protected checkReady(): void {
    if (this.toRemove.size === 0) throw new Error(`${this.name}: nothing to replace`);
  }

  protected async apply(attempt: Attempt): Promise<AttemptChanges> {
    const since = committedSince(attempt.metadata, attempt.parent, this.startSnapshotId, this.checked);
    const newDeletes = (await ownChanges(this.io, attempt.metadata, since)).added.filter(
      (f) => f.file.content !== 0,
    );
    const removable = this.follower === undefined ? new Set<string>() : await this.followed(newDeletes);
    const contents = new Set([...this.toRemove.values()].map((f) => (f.content === 0 ? 0 : 1) as 0 | 1));
    if (removable.size > 0) contents.add(1);
    const { manifests, removed, missing } = await this.remover.remove(
      attempt,
      await this.parentManifests(attempt),
      new Set([...this.toRemove.keys(), ...removable]),
      contents,
      removable,
    );
    if (missing.size > 0) {
      throw new RewriteConflictError(
        `${this.name}: ${missing.size} of the files to replace are no longer in the table (a concurrent commit removed them): ${listed([...missing])}`,
        [...missing],
      );
    }
    this.checkNewDeletes(
      removed.filter((f) => f.file.content === 0),
      newDeletes,
    );
    for (const snapshot of since) this.checked.add(snapshot.snapshotId);
    const following = this.follower === undefined ? undefined : await this.writeFollowing(this.follower);
    const written: ManifestFile[] = [];
    for (const { spec, files } of following ?? []) {
      if (files.length > 0) written.push(await attempt.writeManifest(spec, this.addedEntries(files), 1));
    }
    return {
      manifests: [...written, ...manifests],
      removed: removed.map((f) => f.file),
      addedDeletes: (following ?? []).flatMap((w) => w.files),
    };
  }

  /**
   * Fails when a snapshot committed since the replace was planned added delete files that may apply
   * to a data file it removes: the rewritten rows would bring the deleted ones back. Following deletes,
   * only equality deletes do (they name no row to follow).
   */
  private checkNewDeletes(removedData: readonly LiveFile[], newDeletes: readonly LiveFile[]): void {
    const unfollowed = newDeletes.filter((d) => this.follower === undefined || d.file.content === 2);
    const hit = removedData.filter((data) => unfollowed.some((d) => mayApplyTo(d, data)));
    if (hit.length > 0) {
      const paths = hit.map((f) => f.file.filePath);
      throw new RewriteConflictError(
        `${this.name}: a concurrent commit deleted rows of ${paths.length} of the data files to replace: ${listed(paths)}`,
        [],
        paths,
      );
    }
  }

  /**
   * Notes the position deletes among `newDeletes` that delete rows of data files being replaced, and
   * returns the delete files the replace may remove with those data files, if the table still holds
   * them: their deletion vectors (planned on, or written since), and delete files written since that
   * delete rows of those data files only.
   */
  private async followed(newDeletes: readonly LiveFile[]): Promise<Set<string>> {
    const removingData = new Set(
      [...this.toRemove.values()].filter((f) => f.content === 0).map((f) => f.filePath),
    );
    for (const d of newDeletes) {
      if (d.file.content !== 1) continue;
      const paths = [...(await this.positionsOf(d.file)).keys()];
      if (paths.some((path) => removingData.has(path))) this.concurrentDeletes.set(entryKey(d.file), d);
    }
    // Files go by path: one written since goes only if every entry of it (a Puffin file may hold the
    // vectors of several data files, all added by the commit that wrote it) deletes removed rows only.
    const entries = new Map<string, LiveFile[]>();
    for (const d of newDeletes) entries.set(d.file.filePath, [...(entries.get(d.file.filePath) ?? []), d]);
    for (const [path, all] of entries) {
      if (!all.some((d) => this.concurrentDeletes.has(entryKey(d.file)))) continue;
      const onlyRemoved = await Promise.all(
        all.map(async (d) => [...(await this.positionsOf(d.file)).keys()].every((p) => removingData.has(p))),
      );
      if (onlyRemoved.every(Boolean)) this.removableConcurrent.add(path);
    }
    const planned = [...this.toRemove.values()].filter((f) => isVectorOf(f, removingData));
    return new Set([...planned.map((f) => f.filePath), ...this.removableConcurrent]);
  }

  private positionsOf(file: DataFile): Promise<DeletedPositions> {
    let read = this.concurrentPositions.get(entryKey(file));
    if (read === undefined) {
      read = readPositionDeletes(this.io, file);
      this.concurrentPositions.set(entryKey(file), read);
    }
    return read;
  }

  /**
   * The deletes of moved rows, for the deletes of removed data files committed since the replace was
   * planned: written again only when more were committed since they were last written.
   */
  private async writeFollowing(follower: DeleteFollower): Promise<WrittenDeletes[]> {
    const deleted = new Map<string, Set<number>>();
    for (const d of this.concurrentDeletes.values()) {
      for (const [path, positions] of await this.positionsOf(d.file)) {
        const removing = this.toRemove.get(path);
        if (removing === undefined || removing.content !== 0) continue;
        const set = deleted.get(path) ?? new Set<number>();
        for (const p of positions) set.add(p);
        deleted.set(path, set);
      }
    }
    const positions = [...deleted.values()].reduce((n, s) => n + s.size, 0);
    if (positions !== this.following.positions) {
      const stale = this.following.written.flatMap((w) => w.files.map((f) => f.filePath));
      this.following = { written: await follower.write(deleted), positions };
      await Promise.allSettled(stale.map((location) => this.io.delete(location)));
    }
    return this.following.written;
  }
}

/** A delete file's entry: a Puffin file holds one per deletion vector in it. */
const entryKey = (f: DataFile) => `${f.filePath}@${f.contentOffset ?? ''}`;

/** Whether a delete file is the deletion vector of one of these data files. */
function isVectorOf(f: DataFile, dataPaths: ReadonlySet<string>): boolean {
  return f.content === 1 && f.referencedDataFile !== undefined && dataPaths.has(f.referencedDataFile);
}
