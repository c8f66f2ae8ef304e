import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog';
import { tableName } from '../catalog/catalog';
import { deleteFiles, type FileDeletionFailure } from '../io/delete-files';
import type { FileInfo, FileIO } from '../io/file-io';
import { referencedByTable } from '../reader/reachable';
import { deleteScope, refuseOutsideRoots, refuseWhenGcDisabled } from './delete-files';
import { asFolder, isWithin, nestedTableRoots, normalizeLocation, tableFolders } from './locations';
import { overlappingTables } from './overlapping-tables';

export interface RemoveOrphanFilesOptions {
  /** Files younger than this are never removed: a commit in flight may be about to reference them (default 3 days). */
  safetyWindowMs?: number;
  /** The time ages are measured from (default Date.now()). */
  now?: number;
  /** Only list the orphans; delete nothing. */
  dryRun?: boolean;
  /** Where to look (default the table location); must be inside the table's own folders. */
  location?: string;
  /**
   * The storage the caller may touch (e.g. `s3://bucket/prefix/`): the table must lie inside one of
   * these, and nothing outside them is deleted.
   */
  allowedRoots?: readonly string[];
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
  /** Folders under the location that hold other tables: their files were left alone. */
  otherTables: string[];
}

const DEFAULT_SAFETY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;

/**
 * Removes files under the table location that the table does not reference: not a metadata file
 * (current or logged), statistics file, manifest list, manifest, data or delete file of any of its
 * snapshots. Every referenced file is collected before anything is deleted, and a manifest that
 * cannot be read stops the run: a file is never deleted on incomplete knowledge.
 *
 * The location is listed as a folder (`.../orders/`, so never `.../orders_x`), and files of another
 * table inside it are not this table's orphans: a folder below whose `metadata/` holds a table's
 * metadata file, or the location of a table the catalog has in the namespaces below this table's
 * name (`sales.orders.daily` under `sales.orders`), is skipped whole.
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
  refuseOutsideRoots(name, table.metadata, options.allowedRoots, 'remove orphan files');
  const own = tableFolders(table.metadata);
  const root = asFolder(options.location ?? table.metadata.location);
  if (!own.some((folder) => isWithin(root, folder)))
    throw new Error(`${name}: cannot remove orphan files: ${root} is not inside the table's own folders`);
  const referenced = await referencedFiles(io, table).catch((error: unknown) => {
    throw new Error(`${name}: cannot tell which files are referenced: ${(error as Error).message}`, {
      cause: error,
    });
  });
  const files: FileInfo[] = [];
  for await (const file of io.list(root)) files.push(file);
  const otherTables = await tablesBelow(catalog, id, table, root, files);
  const ours = (file: FileInfo) => !otherTables.some((other) => isWithin(file.location, other));
  const cutoff = (options.now ?? Date.now()) - (options.safetyWindowMs ?? DEFAULT_SAFETY_WINDOW_MS);
  const orphans: FileInfo[] = [];
  const tooRecent: FileInfo[] = [];
  for (const file of files) {
    if (referenced.has(normalizeLocation(file.location)) || !ours(file)) continue;
    // A time that cannot be read (NaN) compares false: such a file is treated as recent.
    (file.lastModifiedMs < cutoff ? orphans : tooRecent).push(file);
  }
  const listed = files.length;
  if (options.dryRun) return { orphans, tooRecent, deleted: 0, deleteFailures: [], listed, otherTables };
  const { deleted, failures, refused } = await deleteFiles(
    io,
    { orphans: orphans.map((f) => f.location) },
    deleteScope(table.metadata, options.allowedRoots),
  );
  const deleteFailures = [
    ...failures,
    ...refused.map((location) => ({
      location,
      error: 'outside the table or the allowed storage: not deleted',
    })),
  ];
  return { orphans, tooRecent, deleted: deleted.orphans, deleteFailures, listed, otherTables };
}

/** Folders under `root` that belong to other tables: found by their metadata files, and by the catalog. */
async function tablesBelow(
  catalog: Catalog,
  id: TableIdentifier,
  table: LoadedTable,
  root: string,
  files: FileInfo[],
): Promise<string[]> {
  const { properties, location } = table.metadata;
  const ownMetadata = [properties['write.metadata.path'] ?? `${location}/metadata`];
  const byFiles = nestedTableRoots(
    files.map((f) => f.location),
    ownMetadata,
  );
  const byCatalog = (await overlappingTables(catalog, id, location))
    .filter((t) => t.relation === 'inside')
    .map((t) => asFolder(t.location));
  return [...new Set([...byFiles, ...byCatalog])].filter((folder) => isWithin(folder, root));
}

/** Every file the table's metadata references, normalized for comparison with listed locations. */
async function referencedFiles(io: FileIO, table: LoadedTable): Promise<Set<string>> {
  return new Set(
    (await referencedByTable(io, table.metadata, table.metadataLocation)).map(normalizeLocation),
  );
}
