import { forEachLimited } from '../util/limited';
import type { FileIO } from './file-io';

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
