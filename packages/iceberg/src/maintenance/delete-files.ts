import type { FileIO } from '../io/file-io';
import type { TableMetadata } from '../spec/table-metadata';
import { forEachLimited } from './reachable';

export interface FileDeletionFailure {
  location: string;
  error: string;
}

/**
 * Deletes files grouped by kind and counts them per kind. A failed delete does not stop the others:
 * it is reported, and the file is left for a later run (or orphan removal) to find.
 */
export async function deleteFiles<K extends string>(
  io: FileIO,
  byKind: Record<K, readonly string[]>,
): Promise<{ deleted: Record<K, number>; failures: FileDeletionFailure[] }> {
  const deleted = {} as Record<K, number>;
  const failures: FileDeletionFailure[] = [];
  for (const [kind, locations] of Object.entries(byKind) as [K, readonly string[]][]) {
    deleted[kind] = 0;
    await forEachLimited(locations, async (location) => {
      try {
        await io.delete(location);
        deleted[kind] += 1;
      } catch (error) {
        failures.push({ location, error: error instanceof Error ? error.message : String(error) });
      }
    });
  }
  return { deleted, failures };
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
