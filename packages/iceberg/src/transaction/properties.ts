import { type Catalog, type LoadedTable, type TableIdentifier, tableName } from '../catalog/catalog';
import type { TableUpdate } from '../catalog/table-commit';
import { commitChange } from './commit-loop';
import type { RetryOptions } from './retry';

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
  const table = await catalog.loadTable(id);
  const committed = await commitChange(
    catalog,
    table,
    {
      what: 'its properties were updated',
      // Setting the same properties again changes nothing: no landed check is needed.
      apply: async () => ({ requirements: [], updates }),
    },
    options,
  );
  return committed.table;
}
