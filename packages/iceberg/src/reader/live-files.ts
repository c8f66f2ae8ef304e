import type { FileIO } from '../io/file-io';
import { type DataFile, ManifestEntryStatus } from '../spec/manifest';
import { readManifestList } from '../spec/manifest-list';
import { currentSnapshot, type Snapshot, type TableMetadata } from '../spec/table-metadata';
import { forEachLimited } from '../util/limited';
import { readManifestEntries } from './manifest-entries';

/** A file a snapshot reads, with what its manifest entry says about it. */
export interface LiveFile {
  /** A data file (content 0) or a delete file (1 position, 2 equality deletes). */
  file: DataFile;
  /** The partition spec its partition tuple belongs to. */
  specId: number;
  /** The snapshot that added it. */
  snapshotId: bigint;
  sequenceNumber: bigint;
  fileSequenceNumber: bigint;
}

/**
 * The live files of a snapshot (default: the main branch's current one): the ADDED and EXISTING
 * entries of the manifests in its manifest list, data and delete files alike.
 */
export async function liveFiles(
  io: FileIO,
  metadata: TableMetadata,
  snapshot: Snapshot | undefined = currentSnapshot(metadata),
  /** Only the files of manifests of this content (0 data, 1 deletes). */
  content?: 0 | 1,
): Promise<LiveFile[]> {
  if (snapshot === undefined) return [];
  const manifests = readManifestList(await io.read(snapshot.manifestList)).filter(
    (m) => content === undefined || m.content === content,
  );
  const perManifest: LiveFile[][] = manifests.map(() => []);
  await forEachLimited([...manifests.keys()], async (i) => {
    const manifest = manifests[i] as (typeof manifests)[number];
    for (const e of await readManifestEntries(io, metadata, manifest)) {
      if (e.status === ManifestEntryStatus.DELETED) continue;
      (perManifest[i] as LiveFile[]).push({
        file: e.dataFile,
        specId: manifest.partitionSpecId,
        snapshotId: e.snapshotId,
        sequenceNumber: e.sequenceNumber,
        fileSequenceNumber: e.fileSequenceNumber,
      });
    }
  });
  return perManifest.flat();
}

/** The live data files of a snapshot (default: the current one), delete files left out. */
export async function liveDataFiles(
  io: FileIO,
  metadata: TableMetadata,
  snapshot?: Snapshot,
): Promise<LiveFile[]> {
  return (await liveFiles(io, metadata, snapshot)).filter((f) => f.file.content === 0);
}
