import type { TableMetadata } from '../spec/table-metadata';
import { isWithin, tableFolders } from './locations';

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
