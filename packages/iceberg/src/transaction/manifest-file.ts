import type { FileIO } from '../io/file-io';
import {
  type DataFile,
  type FormatVersion,
  type ManifestEntry,
  ManifestEntryStatus,
  writeManifest,
} from '../spec/manifest';
import { type ManifestFile, partitionSummaries } from '../spec/manifest-list';
import type { PartitionSpec } from '../spec/partition-spec';
import type { Schema } from '../spec/schema';

/** A manifest list entry before the snapshot that carries it has its sequence number. */
export type UnsequencedManifest = Omit<ManifestFile, 'sequenceNumber' | 'minSequenceNumber'>;

/** Writes a manifest (of data files unless told) added by `snapshotId` and describes it for a manifest list. */
export async function writeManifestFile(
  io: FileIO,
  location: string,
  schema: Schema,
  spec: PartitionSpec,
  snapshotId: bigint,
  entries: readonly ManifestEntry[],
  content: 0 | 1 = 0,
  formatVersion: FormatVersion = 2,
): Promise<UnsequencedManifest> {
  const bytes = writeManifest({ schema, spec, entries, content, formatVersion });
  await io.write(location, bytes);
  const files = (status: number) => entries.filter((e) => e.status === status).map((e) => e.dataFile);
  const added = files(ManifestEntryStatus.ADDED);
  const existing = files(ManifestEntryStatus.EXISTING);
  const deleted = files(ManifestEntryStatus.DELETED);
  const rows = (list: readonly DataFile[]) => list.reduce((n, f) => n + f.recordCount, 0n);
  return {
    manifestPath: location,
    manifestLength: BigInt(bytes.byteLength),
    partitionSpecId: spec.specId,
    content,
    addedSnapshotId: snapshotId,
    addedFilesCount: added.length,
    existingFilesCount: existing.length,
    deletedFilesCount: deleted.length,
    addedRowsCount: rows(added),
    existingRowsCount: rows(existing),
    deletedRowsCount: rows(deleted),
    // Over every entry, deleted ones too: a planner may prune on them, never wrongly.
    partitions: partitionSummaries(spec, schema, [...added, ...existing, ...deleted]),
  };
}

/**
 * A manifest's min_sequence_number: the lowest data sequence number of its live entries, where an
 * entry the snapshot adds has the snapshot's own (`sequenceNumber`).
 */
export function minSequenceNumber(entries: readonly ManifestEntry[], sequenceNumber: bigint): bigint {
  let min = sequenceNumber;
  for (const e of entries) {
    if (e.status !== ManifestEntryStatus.DELETED && e.sequenceNumber !== null && e.sequenceNumber < min) {
      min = e.sequenceNumber;
    }
  }
  return min;
}
