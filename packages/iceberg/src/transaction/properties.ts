import { setTimeout as sleep } from 'node:timers/promises';
import { type Catalog, type LoadedTable, type TableIdentifier, tableName } from '../catalog/catalog';
import { CommitFailedError, CommitStateUnknownError } from '../catalog/errors';
import type { TableUpdate } from '../catalog/table-commit';
import { backoffMs, DEFAULT_MAX_ATTEMPTS, type RetryOptions } from './retry';

export interface PropertyChanges {
  set?: Record<string, string>;
  remove?: readonly string[];
}

/**
 * Sets and removes table properties in one commit (`set-properties`, `remove-properties`). The commit
 * asserts the table's uuid, so a table dropped and created again under the name is not changed. A 409
 * or an unknown outcome is followed by a retry: setting the same properties twice changes nothing.
 */
export async function updateTableProperties(
  catalog: Catalog,
  id: TableIdentifier,
  changes: PropertyChanges,
  options: RetryOptions = {},
): Promise<LoadedTable> {
  const set = changes.set ?? {};
  const remove = changes.remove ?? [];
  const both = remove.filter((key) => key in set);
  if (both.length > 0)
    throw new Error(`${tableName(id)}: properties both set and removed: ${both.join(', ')}`);
  if (Object.keys(set).length === 0 && remove.length === 0) {
    throw new Error(`${tableName(id)}: no property to set or remove`);
  }
  const updates: TableUpdate[] = [];
  if (Object.keys(set).length > 0) updates.push({ action: 'set-properties', updates: set });
  if (remove.length > 0) updates.push({ action: 'remove-properties', removals: [...remove] });
  const uuid = (await catalog.loadTable(id)).metadata.tableUuid;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await catalog.updateTable(id, [{ type: 'assert-table-uuid', uuid }], updates);
    } catch (error) {
      const retryable = error instanceof CommitFailedError || error instanceof CommitStateUnknownError;
      if (!retryable || attempt >= maxAttempts) throw error;
      await sleep(backoffMs(attempt, options));
      const current = await catalog.loadTable(id);
      if (current.metadata.tableUuid !== uuid) {
        throw new Error(
          `${tableName(id)} was replaced by another table (uuid ${current.metadata.tableUuid}) while its properties were updated`,
          { cause: error },
        );
      }
    }
  }
}
