import { ancestors, type FileIO, type LoadedTable, liveDataFiles } from '@floe/iceberg';
import type { KeyColumns } from './change-key';
import { KeyIndex } from './key-index';

// The key index stored in the customer's bucket beside the table (never in the control plane), so
// that an agent's start reads one object and the snapshots since instead of every key of the table.
// It is a cache keyed by snapshot id: whatever is wrong with it (missing, another key, a snapshot no
// longer in the table's history, files that are gone) makes the agent read the table instead.

/** The folder of a table's stored key index. */
export function keyIndexFolder(tableLocation: string): string {
  return `${tableLocation.replace(/\/+$/, '')}/floe-key-index/`;
}

/** Stores an index's bytes (`KeyIndex.serialize`) as of its snapshot, and removes the ones stored before. */
export async function saveKeyIndex(
  io: FileIO,
  tableLocation: string,
  snapshotId: bigint,
  bytes: Uint8Array,
): Promise<void> {
  const folder = keyIndexFolder(tableLocation);
  const location = `${folder}${snapshotId}.bin`;
  await io.write(location, bytes);
  for await (const file of io.list(folder)) {
    if (file.location !== location) await io.delete(file.location);
  }
}

/**
 * The stored index of the table's current snapshot or its nearest ancestor, caught up to the current
 * snapshot; undefined when there is none that can be.
 */
export async function loadKeyIndex(
  io: FileIO,
  table: LoadedTable,
  keys: KeyColumns,
): Promise<KeyIndex | undefined> {
  const head = table.metadata.currentSnapshotId ?? undefined;
  if (head === undefined) return undefined;
  try {
    const stored = new Map<bigint, string>();
    for await (const file of io.list(keyIndexFolder(table.metadata.location))) {
      const id = /\/(-?\d+)\.bin$/.exec(file.location)?.[1];
      if (id !== undefined) stored.set(BigInt(id), file.location);
    }
    const byId = new Map(table.metadata.snapshots.map((s) => [s.snapshotId, s]));
    const snapshot = [...ancestors(head, byId)].find((s) => stored.has(s.snapshotId));
    if (snapshot === undefined) return undefined;
    const live = await liveDataFiles(io, table.metadata, snapshot);
    const index = KeyIndex.deserialize(
      await io.read(stored.get(snapshot.snapshotId) as string),
      keys.names,
      new Map(live.map((f) => [f.file.filePath, f.file])),
    );
    if (index?.snapshotId !== snapshot.snapshotId) return undefined;
    return (await index.catchUp(io, table, keys)) ? index : undefined;
  } catch {
    return undefined; // a cache: the table is read instead
  }
}
