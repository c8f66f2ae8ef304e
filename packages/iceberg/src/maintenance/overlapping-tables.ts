import type { Catalog, Namespace, TableIdentifier } from '../catalog/catalog';
import { tableName } from '../catalog/catalog';
import { NoSuchNamespaceError, NoSuchTableError } from '../catalog/errors';
import { isWithin } from './locations';

export interface OverlappingTable {
  id: TableIdentifier;
  location: string;
  /** `inside`: the other table's location is inside this one's; `contains`: this one's is inside it. */
  relation: 'inside' | 'contains';
}

/**
 * Other tables of the catalog whose location is inside this table's, or holds it, where catalogs (and
 * Floe's own writer) nest them: a table named by a namespace part above this one (`sales.orders`
 * above `sales.orders.daily`), and every table in the namespaces below this table's name
 * (`sales.orders.*`, down to `maxDepth` levels). `location` is the table's, or the one it would get.
 * Tables placed elsewhere by hand are not looked for here (orphan removal also finds them by their
 * metadata files).
 */
export async function overlappingTables(
  catalog: Catalog,
  id: TableIdentifier,
  location: string,
  { maxDepth = 4 }: { maxDepth?: number } = {},
): Promise<OverlappingTable[]> {
  const found: OverlappingTable[] = [];
  const consider = async (other: TableIdentifier) => {
    if (tableName(other) === tableName(id)) return;
    const otherLocation = await locationOf(catalog, other);
    if (otherLocation === undefined) return;
    if (isWithin(otherLocation, location))
      found.push({ id: other, location: otherLocation, relation: 'inside' });
    else if (isWithin(location, otherLocation))
      found.push({ id: other, location: otherLocation, relation: 'contains' });
  };
  for (let k = 1; k < id.namespace.length; k += 1)
    await consider({ namespace: id.namespace.slice(0, k), name: id.namespace[k] as string });
  const below = [...id.namespace, id.name];
  // Only a namespace the catalog lists is walked (Glue databases, for one, do not nest).
  if ((await childNamespaces(catalog, id.namespace)).some((ns) => sameNamespace(ns, below)))
    await walk(catalog, below, maxDepth, consider);
  return found;
}

async function walk(
  catalog: Catalog,
  namespace: Namespace,
  depth: number,
  consider: (id: TableIdentifier) => Promise<void>,
): Promise<void> {
  if (depth <= 0) return;
  const tables = await catalog.listTables(namespace).catch(absentAs<TableIdentifier[]>([]));
  for (const table of tables) await consider(table);
  for (const child of await childNamespaces(catalog, namespace))
    await walk(catalog, child, depth - 1, consider);
}

async function locationOf(catalog: Catalog, id: TableIdentifier): Promise<string | undefined> {
  try {
    return (await catalog.loadTable(id)).metadata.location;
  } catch (error) {
    return absentAs(undefined)(error);
  }
}

const childNamespaces = (catalog: Catalog, parent: Namespace) =>
  catalog.listNamespaces(parent).catch(absentAs<Namespace[]>([]));

const sameNamespace = (a: Namespace, b: Namespace) => a.length === b.length && a.every((p, i) => p === b[i]);

/** What is not there counts as nothing; any other failure stops the caller (it would decide blind). */
const absentAs =
  <T>(value: T) =>
  (error: unknown): T => {
    if (error instanceof NoSuchNamespaceError || error instanceof NoSuchTableError) return value;
    throw error;
  };
