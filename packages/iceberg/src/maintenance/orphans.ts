import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog';
import { tableName } from '../catalog/catalog';
import type { FileInfo, FileIO } from '../io/file-io';
import { deleteFiles, type FileDeletionFailure, refuseWhenGcDisabled } from './delete-files';
import { normalizeLocation } from './locations';
import { referencedByTable } from './reachable';

export interface RemoveOrphanFilesOptions {
  /** Files younger than this are never removed: a commit in flight may be about to reference them (default 3 days). */
  safetyWindowMs?: number;
  /** The time ages are measured from (default Date.now()). */
  now?: number;
  /** Only list the orphans; delete nothing. */
  dryRun?: boolean;
  /** Where to look (default the table location); must be the table's own, not shared with another table. */
  location?: string;
}

export interface RemoveOrphanFilesResult {
  /** Unreferenced files older than the safety window: deleted, or in a dry run, what would be. */
  orphans: FileInfo[];
  /** Unreferenced files younger than the window, left alone. */
  tooRecent: FileInfo[];
  /** Orphans actually deleted (0 in a dry run). */
  deleted: number;
  deleteFailures: FileDeletionFailure[];
  /** Files listed under the location in all. */
  listed: number;
}

const DEFAULT_SAFETY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;

/**
 * Removes files under the table location that the table does not reference: not a metadata file
 * (current or logged), statistics file, manifest list, manifest, data or delete file of any of its
 * snapshots. Every referenced file is collected before anything is deleted, and a manifest that
 * cannot be read stops the run: a file is never deleted on incomplete knowledge.
 */
export async function removeOrphanFiles(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  options: RemoveOrphanFilesOptions = {},
): Promise<RemoveOrphanFilesResult> {
  const name = tableName(id);
  const table = await catalog.loadTable(id);
  if (!options.dryRun) refuseWhenGcDisabled(name, table.metadata, 'remove orphan files');
  const referenced = await referencedFiles(io, table).catch((error: unknown) => {
    throw new Error(`${name}: cannot tell which files are referenced: ${(error as Error).message}`, {
      cause: error,
    });
  });
  const cutoff = (options.now ?? Date.now()) - (options.safetyWindowMs ?? DEFAULT_SAFETY_WINDOW_MS);
  const root = `${(options.location ?? table.metadata.location).replace(/\/+$/, '')}/`;
  const orphans: FileInfo[] = [];
  const tooRecent: FileInfo[] = [];
  let listed = 0;
  for await (const file of io.list(root)) {
    listed += 1;
    if (referenced.has(normalizeLocation(file.location))) continue;
    // A time that cannot be read (NaN) compares false: such a file is treated as recent.
    (file.lastModifiedMs < cutoff ? orphans : tooRecent).push(file);
  }
  if (options.dryRun) return { orphans, tooRecent, deleted: 0, deleteFailures: [], listed };
  const { deleted, failures } = await deleteFiles(io, { orphans: orphans.map((f) => f.location) });
  return { orphans, tooRecent, deleted: deleted.orphans, deleteFailures: failures, listed };
}

/** Every file the table's metadata references, normalized for comparison with listed locations. */
async function referencedFiles(io: FileIO, table: LoadedTable): Promise<Set<string>> {
  return new Set(
    (await referencedByTable(io, table.metadata, table.metadataLocation)).map(normalizeLocation),
  );
}
