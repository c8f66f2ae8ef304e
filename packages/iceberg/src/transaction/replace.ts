import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import { manifestSpec, type ResolvedEntry, readManifestEntries } from '../reader/manifest-entries';
import { type DataFile, type ManifestEntry, ManifestEntryStatus } from '../spec/manifest';
import type { ManifestFile } from '../spec/manifest-list';
import type { PartitionSpec } from '../spec/partition-spec';
import { forEachLimited } from '../util/limited';
import {
  type Attempt,
  type AttemptChanges,
  type SnapshotOptions,
  SnapshotProducer,
  type SnapshotResult,
} from './snapshot-producer';

export type ReplaceOptions = SnapshotOptions;
export type ReplaceResult = SnapshotResult;

/**
 * A file to replace is no longer in the table (another commit removed it), or the table holds delete
 * files a rewrite of data files would misapply. Not retried: the rewrite has to be planned again.
 */
export class RewriteConflictError extends Error {
  override name = 'RewriteConflictError';
  constructor(
    message: string,
    /** The files to replace that the table no longer holds. */
    readonly missingFiles: readonly string[],
  ) {
    super(message);
  }
}

const liveCount = (m: ManifestFile) => m.addedFilesCount + m.existingFilesCount;

/**
 * Replaces data files with others holding the same rows, in one snapshot of operation "replace"
 * (a compaction's commit). Each attempt is built on the parent of the moment: manifests holding none
 * of the removed files are carried as they are; those holding some are replaced, per spec, by one
 * manifest of the removed files (DELETED) and one of their other live files (EXISTING, with the
 * snapshot id and sequence numbers they had, as the spec wants them written out), so that appends
 * committed in the meantime are kept and an attempt stays short however many manifests it touches.
 * Before each attempt every file to remove must still be live in the parent, else the commit fails
 * with RewriteConflictError.
 */
export class ReplaceFiles extends SnapshotProducer {
  protected readonly operation = 'replace';
  private readonly toRemove = new Map<string, DataFile>();
  /** Manifests never change: one read serves every attempt. */
  private readonly entries = new Map<string, Promise<ResolvedEntry[]>>();

  /** Starts a replace on the table as the catalog has it now, or as given (e.g. as a rewrite was planned on it). */
  static async start(
    catalog: Catalog,
    io: FileIO,
    table: TableIdentifier | LoadedTable,
    options: ReplaceOptions = {},
  ): Promise<ReplaceFiles> {
    return new ReplaceFiles(catalog, io, await SnapshotProducer.load(catalog, table), options);
  }

  /** Data files (by path) the snapshot removes. */
  removeFiles(files: readonly DataFile[]): void {
    for (const f of files) {
      if (f.content !== 0)
        throw new Error(`${this.name}: ${f.filePath} is a delete file; only data files are replaced`);
      this.toRemove.set(f.filePath, f);
    }
  }

  protected checkReady(): void {
    if (this.toRemove.size === 0) throw new Error(`${this.name}: nothing to replace`);
  }

  protected async apply(attempt: Attempt): Promise<AttemptChanges> {
    const manifests = await this.parentManifests(attempt);
    if (manifests.some((m) => m.content === 1 && liveCount(m) > 0)) {
      throw new RewriteConflictError(
        `${this.name}: the table has delete files, which would no longer apply to rewritten rows`,
        [],
      );
    }
    // Only data manifests with live files can hold a file to remove; they are read a few at a time.
    const candidates = manifests.filter((m) => m.content === 0 && liveCount(m) > 0);
    await forEachLimited(candidates, async (m) => void (await this.read(m, attempt)));
    const toRead = new Set(candidates);
    const missing = new Set(this.toRemove.keys());
    const removed: DataFile[] = [];
    const kept: ManifestFile[] = [];
    // Per spec, what the manifests holding a removed file become: their removed files as DELETED
    // entries, and their other live files as EXISTING ones.
    const touched = new Map<
      number,
      { spec: PartitionSpec; deleted: ManifestEntry[]; existing: ManifestEntry[] }
    >();
    for (const manifest of manifests) {
      const entries = toRead.has(manifest) ? await this.read(manifest, attempt) : [];
      const live = entries.filter((e) => e.status !== ManifestEntryStatus.DELETED);
      if (!live.some((e) => this.toRemove.has(e.dataFile.filePath))) {
        kept.push(manifest);
        continue;
      }
      let group = touched.get(manifest.partitionSpecId);
      if (group === undefined) {
        group = { spec: manifestSpec(attempt.metadata, manifest), deleted: [], existing: [] };
        touched.set(manifest.partitionSpecId, group);
      }
      for (const e of live) {
        const removing = this.toRemove.has(e.dataFile.filePath);
        if (removing) {
          missing.delete(e.dataFile.filePath);
          removed.push(e.dataFile);
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
      const shown = [...missing].slice(0, 3).join(', ');
      throw new RewriteConflictError(
        `${this.name}: ${missing.size} of the files to replace are no longer in the table (a concurrent commit removed them): ${shown}${missing.size > 3 ? ', ...' : ''}`,
        [...missing],
      );
    }
    // However many manifests held the removed files, each attempt writes at most two per spec: one of
    // the removed files (the next commit drops it, as it holds no live file) and one of the files that
    // shared a manifest with them. A short attempt is what lets the commit land between the appends of
    // a table committed to every second.
    const written: ManifestFile[] = [];
    for (const { spec, deleted, existing } of touched.values()) {
      written.push(await attempt.writeManifest(spec, deleted));
      if (existing.length > 0) written.push(await attempt.writeManifest(spec, existing));
    }
    return { manifests: [...written, ...kept], removed };
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
