import type { FileIO } from '../io/file-io';
import type { LiveFile } from '../reader/live-files';
import { manifestSpec, type ResolvedEntry, readManifestEntries } from '../reader/manifest-entries';
import { type ManifestEntry, ManifestEntryStatus } from '../spec/manifest';
import type { ManifestFile } from '../spec/manifest-list';
import type { PartitionSpec } from '../spec/partition-spec';
import { forEachLimited } from '../util/limited';
import type { Attempt } from './snapshot-producer';

const liveCount = (m: ManifestFile) => m.addedFilesCount + m.existingFilesCount;

/** What removing files makes of an attempt's manifests. */
export interface Removal {
  manifests: ManifestFile[];
  removed: LiveFile[];
  /** The paths to remove that no manifest holds live (a concurrent commit removed them). */
  missing: Set<string>;
}

/**
 * Removes files (by path) from the manifests a snapshot carries. Manifests holding none of them are
 * kept as they are; those holding some are replaced, per spec and content, by one manifest of the
 * removed files (DELETED) and one of their other live files (EXISTING, with the snapshot id, sequence
 * numbers and first row id they had, as the spec wants them written out): however many manifests held
 * them, an attempt writes at most two per spec and content, and stays short.
 */
export class FileRemover {
  /** Manifests never change: one read serves every attempt. */
  private readonly entries = new Map<string, Promise<ResolvedEntry[]>>();

  constructor(
    private readonly io: FileIO,
    private readonly snapshotId: bigint,
  ) {}

  async remove(
    attempt: Attempt,
    manifests: readonly ManifestFile[],
    paths: ReadonlySet<string>,
    /** The contents of the files to remove: only manifests of these can hold one. */
    contents: ReadonlySet<0 | 1>,
    /** Of `paths`, those removed if the table still holds them and not missed otherwise. */
    optional: ReadonlySet<string> = new Set(),
  ): Promise<Removal> {
    const candidates = manifests.filter((m) => liveCount(m) > 0 && contents.has(m.content === 0 ? 0 : 1));
    await forEachLimited(candidates, async (m) => void (await this.read(m, attempt)));
    const toRead = new Set(candidates);
    const missing = new Set([...paths].filter((path) => !optional.has(path)));
    const removed: LiveFile[] = [];
    const kept: ManifestFile[] = [];
    const touched = new Map<
      string,
      { spec: PartitionSpec; content: 0 | 1; deleted: ManifestEntry[]; existing: ManifestEntry[] }
    >();
    for (const manifest of manifests) {
      const entries = toRead.has(manifest) ? await this.read(manifest, attempt) : [];
      const live = entries.filter((e) => e.status !== ManifestEntryStatus.DELETED);
      if (!live.some((e) => paths.has(e.dataFile.filePath))) {
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
        const removing = paths.has(e.dataFile.filePath);
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
    const written: ManifestFile[] = [];
    if (missing.size === 0) {
      for (const { spec, content, deleted, existing } of touched.values()) {
        written.push(await attempt.writeManifest(spec, deleted, content));
        if (existing.length > 0) written.push(await attempt.writeManifest(spec, existing, content));
      }
    }
    return { manifests: [...written, ...kept], removed, missing };
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
