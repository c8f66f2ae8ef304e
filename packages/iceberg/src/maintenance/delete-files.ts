import type { FileIO } from '../io/file-io';
import type { TableMetadata } from '../spec/table-metadata';
import { forEachLimited } from '../util/limited';
import { isWithin, tableFolders } from './locations';

export interface FileDeletionFailure {
  location: string;
  error: string;
}

/**
 * Deletes files grouped by kind and counts them per kind. A failed delete does not stop the others:
 * it is reported, and the file is left for a later run (or orphan removal) to find. A file `allow`
 * refuses (see deleteScope) is not touched, and is listed in `refused`.
 */
export async function deleteFiles<K extends string>(
  io: FileIO,
  byKind: Record<K, readonly string[]>,
  allow: (location: string) => boolean = () => true,
): Promise<{ deleted: Record<K, number>; failures: FileDeletionFailure[]; refused: string[] }> {
  const deleted = {} as Record<K, number>;
  const failures: FileDeletionFailure[] = [];
  const refused: string[] = [];
  for (const [kind, all] of Object.entries(byKind) as [K, readonly string[]][]) {
    deleted[kind] = 0;
    const locations = all.filter((location) => allow(location));
    refused.push(...all.filter((location) => !allow(location)));
    await forEachLimited(locations, async (location) => {
      try {
        await io.delete(location);
        deleted[kind] += 1;
      } catch (error) {
        failures.push({ location, error: error instanceof Error ? error.message : String(error) });
      }
    });
  }
  return { deleted, failures, refused };
}

/**
 * Where a maintenance action on this table may delete: inside the table's own folders (its location
 * and write paths) and, when `allowedRoots` is given (the storage the caller may touch), inside one of
 * those too. Whatever a table's metadata references, nothing outside is deleted.
 */
export function deleteScope(
  metadata: Pick<TableMetadata, 'location' | 'properties'>,
  allowedRoots?: readonly string[],
): (location: string) => boolean {
  const own = tableFolders(metadata);
  return (location) =>
    own.some((folder) => isWithin(location, folder)) &&
    (allowedRoots === undefined || allowedRoots.some((root) => isWithin(location, root)));
}

/** Refuses to work on a table whose own location lies outside the storage the caller may touch. */
export function refuseOutsideRoots(
  tableName: string,
  metadata: Pick<TableMetadata, 'location'>,
  allowedRoots: readonly string[] | undefined,
  action: string,
): void {
  if (allowedRoots === undefined || allowedRoots.some((root) => isWithin(metadata.location, root))) return;
  throw new Error(
    `${tableName}: cannot ${action}: the table location ${metadata.location} is outside ${allowedRoots.join(', ')}`,
  );
}

/**
 * gc.enabled=false says the table's files may be shared with another table (e.g. after a snapshot
 * or migrate): deleting what this table no longer references could break that one.
 */
export function refuseWhenGcDisabled(tableName: string, metadata: TableMetadata, action: string): void {
  if (metadata.properties['gc.enabled']?.toLowerCase() === 'false') {
    throw new Error(`${tableName}: cannot ${action}: table property gc.enabled is false`);
  }
}
