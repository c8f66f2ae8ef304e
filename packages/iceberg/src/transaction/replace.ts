import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import { mayApplyTo } from '../reader/delete-files';
import type { LiveFile } from '../reader/live-files';
import { manifestSpec, type ResolvedEntry, readManifestEntries } from '../reader/manifest-entries';
import { type DataFile, type ManifestEntry, ManifestEntryStatus } from '../spec/manifest';
import type { ManifestFile } from '../spec/manifest-list';
import type { PartitionSpec } from '../spec/partition-spec';
import type { IcebergValue } from '../spec/values';
import { forEachLimited } from '../util/limited';
import { type PositionDeletes, writePositionDeleteFile } from '../writer/position-delete-file';
import { branchParent } from './branch';
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

const liveCount = (m: ManifestFile) => m.addedFilesCount + m.existingFilesCount;

const listed = (paths: readonly string[]) =>
  `${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', ...' : ''}`;

/**
 * Replaces data files with others holding the same live rows, in one snapshot of operation "replace"
 * (a compaction's commit): it may remove position delete files too (their rows were left out of the
 * rewrite, or they apply to no live file any more) and add one that carries the deletes still needed.
 * Each attempt is built on the parent of the moment: manifests holding none of the removed files are
 * carried as they are; those holding some are replaced, per spec and content, by one manifest of the
 * removed files (DELETED) and one of their other live files (EXISTING, with the snapshot id and
 * sequence numbers they had, as the spec wants them written out), so that commits made in the
 * meantime are kept and an attempt stays short however many manifests it touches. Before each attempt
 * every file to remove must still be live in the parent, and no snapshot committed since the replace
 * was planned may have added delete files that apply to a data file it removes (the reference's
 * validateNoNewDeletesForDataFiles): else the commit fails with RewriteConflictError.
 */
export class ReplaceFiles extends SnapshotProducer {
  protected readonly operation = 'replace';
  private readonly toRemove = new Map<string, DataFile>();
  /** Manifests never change: one read serves every attempt. */
  private readonly entries = new Map<string, Promise<ResolvedEntry[]>>();
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
   * Writes one position delete file of `partition` in `spec` holding these deletes (rows of live data
   * files the replace keeps, carried over from the delete files it removes), and adds it.
   */
  async addPositionDeletes(
    deletes: readonly PositionDeletes[],
    partition: IcebergValue[],
    spec: PartitionSpec,
  ): Promise<DataFile> {
    const file = await writePositionDeleteFile(this.target(spec), deletes, partition);
    this.includeDeletes(spec, [file]);
    return file;
  }

  protected checkReady(): void {
    if (this.toRemove.size === 0) throw new Error(`${this.name}: nothing to replace`);
  }

  protected async apply(attempt: Attempt): Promise<AttemptChanges> {
    const manifests = await this.parentManifests(attempt);
    const removing = new Set([...this.toRemove.values()].map((f) => f.content));
    // Only manifests with live files of a kind being removed can hold one; they are read a few at a time.
    const candidates = manifests.filter((m) => liveCount(m) > 0 && removing.has(m.content === 0 ? 0 : 1));
    await forEachLimited(candidates, async (m) => void (await this.read(m, attempt)));
    const toRead = new Set(candidates);
    const missing = new Set(this.toRemove.keys());
    const removed: LiveFile[] = [];
    const kept: ManifestFile[] = [];
    // Per spec and content, what the manifests holding a removed file become: their removed files as
    // DELETED entries, and their other live files as EXISTING ones.
    const touched = new Map<
      string,
      { spec: PartitionSpec; content: 0 | 1; deleted: ManifestEntry[]; existing: ManifestEntry[] }
    >();
    for (const manifest of manifests) {
      const entries = toRead.has(manifest) ? await this.read(manifest, attempt) : [];
      const live = entries.filter((e) => e.status !== ManifestEntryStatus.DELETED);
      if (!live.some((e) => this.toRemove.has(e.dataFile.filePath))) {
        kept.push(manifest);
        continue;
      }
      const content = manifest.content === 0 ? 0 : 1;
      const key = `${manifest.partitionSpecId}|${content}`;
      let group = touched.get(key);
      if (group === undefined) {
        group = { spec: manifestSpec(attempt.metadata, manifest), content, deleted: [], existing: [] };
        touched.set(key, group);
      }
      for (const e of live) {
        const removing = this.toRemove.has(e.dataFile.filePath);
        if (removing) {
          missing.delete(e.dataFile.filePath);
          removed.push({
            file: e.dataFile,
            specId: manifest.partitionSpecId,
            snapshotId: e.snapshotId,
            sequenceNumber: e.sequenceNumber,
            fileSequenceNumber: e.fileSequenceNumber,
          });
        }
        (removing ? group.deleted : group.existing).push({
          status: removing ? ManifestEntryStatus.DELETED : ManifestEntryStatus.EXISTING,
          snapshotId: removing ? this.snapshotId : e.snapshotId,
          sequenceNumber: e.sequenceNumber,
          fileSequenceNumber: e.fileSequenceNumber,
          dataFile: e.dataFile,
        });
      }
    }
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
    // However many manifests held the removed files, each attempt writes at most two per spec and
    // content: one of the removed files (the next commit drops it, as it holds no live file) and one of
    // the files that shared a manifest with them. A short attempt is what lets the commit land between
    // the appends of a table committed to every second.
    const written: ManifestFile[] = [];
    for (const { spec, content, deleted, existing } of touched.values()) {
      written.push(await attempt.writeManifest(spec, deleted, content));
      if (existing.length > 0) written.push(await attempt.writeManifest(spec, existing, content));
    }
    return { manifests: [...written, ...kept], removed: removed.map((f) => f.file) };
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

  private read(manifest: ManifestFile, attempt: Attempt): Promise<ResolvedEntry[]> {
    let entries = this.entries.get(manifest.manifestPath);
    if (entries === undefined) {
      entries = readManifestEntries(this.io, attempt.metadata, manifest);
      this.entries.set(manifest.manifestPath, entries);
    }
    return entries;
  }
}
