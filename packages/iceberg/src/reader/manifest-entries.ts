import type { FileIO } from '../io/file-io';
import { type DataFile, ManifestEntryStatus, readManifest } from '../spec/manifest';
import type { ManifestFile } from '../spec/manifest-list';
import type { PartitionSpec } from '../spec/partition-spec';
import { currentSchema, type TableMetadata } from '../spec/table-metadata';

/** A manifest entry with what it inherits from its manifest list entry filled in (spec "Sequence Number Inheritance"). */
export interface ResolvedEntry {
  status: 0 | 1 | 2;
  snapshotId: bigint;
  /** The data sequence number. */
  sequenceNumber: bigint;
  fileSequenceNumber: bigint;
  dataFile: DataFile;
}

export function manifestSpec(metadata: TableMetadata, manifest: ManifestFile): PartitionSpec {
  const spec = metadata.partitionSpecs.find((s) => s.specId === manifest.partitionSpecId);
  if (spec === undefined) {
    throw new Error(
      `manifest ${manifest.manifestPath} uses partition spec ${manifest.partitionSpecId}, which the table lacks`,
    );
  }
  return spec;
}

/**
 * Reads a manifest's entries. A null snapshot id is the manifest's; a null sequence number is the
 * manifest's for an entry it added (or for a v1 manifest, whose sequence number is 0); any other null
 * one cannot be resolved and is refused, since a rewrite must write existing entries' numbers out.
 */
export async function readManifestEntries(
  io: FileIO,
  metadata: TableMetadata,
  manifest: ManifestFile,
): Promise<ResolvedEntry[]> {
  const { entries } = readManifest(
    await io.read(manifest.manifestPath),
    currentSchema(metadata),
    manifestSpec(metadata, manifest),
  );
  const inherit = (value: bigint | null, status: number, what: string, path: string): bigint => {
    if (value !== null) return value;
    if (status === ManifestEntryStatus.ADDED || manifest.sequenceNumber === 0n)
      return manifest.sequenceNumber;
    throw new Error(`manifest ${manifest.manifestPath} has no ${what} for ${path}, which it did not add`);
  };
  // Format v3 row lineage: live data files without a first_row_id take the next ids of their manifest's range.
  let nextRowId = manifest.firstRowId;
  return entries.map((e) => {
    let { dataFile } = e;
    if (
      nextRowId !== undefined &&
      dataFile.content === 0 &&
      dataFile.firstRowId === undefined &&
      e.status !== ManifestEntryStatus.DELETED
    ) {
      dataFile = { ...dataFile, firstRowId: nextRowId };
      nextRowId += dataFile.recordCount;
    }
    return {
      status: e.status,
      snapshotId: e.snapshotId ?? manifest.addedSnapshotId,
      sequenceNumber: inherit(e.sequenceNumber, e.status, 'sequence number', e.dataFile.filePath),
      fileSequenceNumber: inherit(
        e.fileSequenceNumber,
        e.status,
        'file sequence number',
        e.dataFile.filePath,
      ),
      dataFile,
    };
  });
}
