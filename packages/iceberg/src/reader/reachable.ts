import { type FileIO, FileNotFoundError } from '../io/file-io';
import { readAvroFile } from '../spec/avro/container';
import { ManifestEntryStatus } from '../spec/manifest';
import { readManifestList } from '../spec/manifest-list';
import type { Snapshot, TableMetadata } from '../spec/table-metadata';
import { forEachLimited } from '../util/limited';

/** The files a set of snapshots reaches, by kind. */
export interface ReachableFiles {
  manifestLists: Set<string>;
  manifests: Set<string>;
  dataFiles: Set<string>;
  /** Position and equality delete files. */
  deleteFiles: Set<string>;
}

export interface ReachOptions {
  /**
   * Which manifest entries reach their file: `live` (added, existing) as snapshot expiry counts them,
   * or `all` (deleted entries too), the cautious count of orphan removal.
   */
  entries: 'live' | 'all';
  /** Manifests not to read (their files are accounted for elsewhere); they are still listed as reached. */
  skipManifests?: ReadonlySet<string>;
  /** Treat a missing manifest list or manifest as reaching nothing instead of failing. */
  tolerateMissing?: boolean;
}

/** Reads the snapshots' manifest lists and manifests and collects every file they reach. */
export async function reachableFiles(
  io: FileIO,
  snapshots: readonly Snapshot[],
  options: ReachOptions,
): Promise<ReachableFiles> {
  const reached: ReachableFiles = {
    manifestLists: new Set(),
    manifests: new Set(),
    dataFiles: new Set(),
    deleteFiles: new Set(),
  };
  const toRead: string[] = [];
  await forEachLimited(snapshots, async (snapshot) => {
    reached.manifestLists.add(snapshot.manifestList);
    const bytes = await readUnlessMissing(io, snapshot.manifestList, options);
    if (bytes === undefined) return;
    for (const manifest of readManifestList(bytes)) {
      if (reached.manifests.has(manifest.manifestPath)) continue;
      reached.manifests.add(manifest.manifestPath);
      if (!options.skipManifests?.has(manifest.manifestPath)) toRead.push(manifest.manifestPath);
    }
  });
  await forEachLimited(toRead, async (manifest) => {
    const bytes = await readUnlessMissing(io, manifest, options);
    if (bytes === undefined) return;
    for (const file of manifestContentFiles(bytes, options.entries)) {
      (file.content === 0 ? reached.dataFiles : reached.deleteFiles).add(file.path);
    }
  });
  return reached;
}

/**
 * Every file a table's metadata references: its metadata files (the current one and those in the
 * metadata log), statistics files, and what any snapshot reaches, deleted manifest entries included.
 */
export async function referencedByTable(
  io: FileIO,
  metadata: TableMetadata,
  metadataLocation: string | undefined,
): Promise<string[]> {
  const reached = await reachableFiles(io, metadata.snapshots, { entries: 'all' });
  const metadataFiles = metadata.metadataLog.map((e) => e.metadataFile);
  if (metadataLocation !== undefined) {
    metadataFiles.push(metadataLocation);
    // Hadoop-style tables point at their current metadata file through this one.
    metadataFiles.push(`${metadataLocation.slice(0, metadataLocation.lastIndexOf('/'))}/version-hint.text`);
  }
  return [
    ...metadataFiles,
    ...statisticsFiles(metadata),
    ...reached.manifestLists,
    ...reached.manifests,
    ...reached.dataFiles,
    ...reached.deleteFiles,
  ];
}

/** The table's statistics and partition statistics files. */
export function statisticsFiles(metadata: TableMetadata): string[] {
  return [
    ...(metadata.statistics ?? []).map((f) => f.statisticsPath),
    ...(metadata.partitionStatistics ?? []).map((f) => f.statisticsPath),
  ];
}

/**
 * The content files a manifest lists, read from the Avro records themselves: only paths and kinds are
 * needed, so neither the table schema nor the partition spec is (they may have changed since).
 */
export function manifestContentFiles(
  bytes: Uint8Array,
  entries: ReachOptions['entries'],
): { path: string; content: number }[] {
  const records = readAvroFile(bytes).records as {
    status: number;
    data_file: { file_path: string; content?: number };
  }[];
  return records
    .filter((r) => entries === 'all' || r.status !== ManifestEntryStatus.DELETED)
    .map((r) => ({ path: r.data_file.file_path, content: r.data_file.content ?? 0 }));
}

async function readUnlessMissing(
  io: FileIO,
  location: string,
  options: ReachOptions,
): Promise<Uint8Array | undefined> {
  try {
    return await io.read(location);
  } catch (error) {
    if (options.tolerateMissing && error instanceof FileNotFoundError) return undefined;
    throw error;
  }
}
