import type { FileIO } from '../io/file-io';
import type { LiveFile } from '../reader/live-files';
import { readManifestEntries } from '../reader/manifest-entries';
import { ManifestEntryStatus } from '../spec/manifest';
import { readManifestList } from '../spec/manifest-list';
import { ancestors, type Snapshot, type TableMetadata } from '../spec/table-metadata';
import { forEachLimited } from '../util/limited';

// What the conflict checks of the actions read (as the reference's validation helpers): the snapshots
// committed since an action was planned, and the files each of them added and removed.

/**
 * The snapshots of a branch after `startSnapshotId` up to `parent`, newest first, stopping early at
 * one in `checked` (found free of conflicts by an earlier attempt). When the start is not an ancestor
 * (the branch was rolled back past it), every ancestor counts: a check then errs towards a conflict.
 */
export function committedSince(
  metadata: TableMetadata,
  parent: Snapshot | undefined,
  startSnapshotId: bigint | undefined,
  checked: ReadonlySet<bigint> = new Set(),
): Snapshot[] {
  if (parent === undefined) return [];
  const byId = new Map(metadata.snapshots.map((s) => [s.snapshotId, s]));
  const since: Snapshot[] = [];
  for (const snapshot of ancestors(parent.snapshotId, byId)) {
    if (snapshot.snapshotId === startSnapshotId || checked.has(snapshot.snapshotId)) break;
    since.push(snapshot);
  }
  return since;
}

/** Data and delete files some snapshots added and removed themselves. */
export interface OwnChanges {
  added: LiveFile[];
  removed: LiveFile[];
}

/**
 * The files the snapshots added and removed: the ADDED and DELETED entries of the manifests each one
 * wrote, with the spec and sequence numbers each file has.
 */
export async function ownChanges(
  io: FileIO,
  metadata: TableMetadata,
  snapshots: readonly Snapshot[],
): Promise<OwnChanges> {
  const changes: OwnChanges = { added: [], removed: [] };
  await forEachLimited(snapshots, async (snapshot) => {
    const own = readManifestList(await io.read(snapshot.manifestList)).filter(
      (m) => m.addedSnapshotId === snapshot.snapshotId,
    );
    for (const manifest of own) {
      for (const entry of await readManifestEntries(io, metadata, manifest)) {
        if (entry.snapshotId !== snapshot.snapshotId || entry.status === ManifestEntryStatus.EXISTING)
          continue;
        (entry.status === ManifestEntryStatus.ADDED ? changes.added : changes.removed).push({
          file: entry.dataFile,
          specId: manifest.partitionSpecId,
          snapshotId: entry.snapshotId,
          sequenceNumber: entry.sequenceNumber,
          fileSequenceNumber: entry.fileSequenceNumber,
        });
      }
    }
  });
  return changes;
}
