// What a catalog that keeps only a pointer to each table's current metadata file (AWS Glue, the Hive
// Metastore) does the same way whatever keeps the pointer: it writes the metadata files itself.
import type { FileIO } from '../../io/file-io';
import { parseTableMetadata, stringifyTableMetadata, type TableMetadata } from '../../spec/table-metadata';
import type { CreateTableRequest, LoadedTable, TableIdentifier } from '../catalog';
import { CatalogError, CommitStateUnknownError } from '../errors';
import type { TableRequirement, TableUpdate } from '../table-commit';
import { newMetadataLocation, withPreviousMetadata } from './metadata-files';
import { applyUpdates, checkRequirements } from './metadata-updates';
import { newTableMetadata } from './new-table-metadata';

export async function readMetadata(io: FileIO, location: string): Promise<TableMetadata> {
  return parseTableMetadata(new TextDecoder().decode(await io.read(location)));
}

export function loadedTable(
  identifier: TableIdentifier,
  metadataLocation: string,
  metadata: TableMetadata,
): LoadedTable {
  return { identifier, metadataLocation, metadata, config: {}, storageCredentials: [] };
}

/** <database location>/<table>, else <warehouse>/<database>.db/<table>, as the reference catalogs place tables. */
export function defaultTableLocation(
  database: string,
  table: string,
  databaseLocation: string | undefined,
  warehouse: string | undefined,
): string {
  if (databaseLocation) return `${databaseLocation.replace(/\/+$/, '')}/${table}`;
  if (warehouse === undefined) {
    throw new CatalogError(
      `create table ${database}.${table}: no location: give one, set the database's location, or the catalog's warehouse`,
    );
  }
  return `${warehouse.replace(/\/+$/, '')}/${database}.db/${table}`;
}

/** Writes a new table's first metadata file and has `register` point the catalog at it. */
export async function createPointedTable(
  io: FileIO,
  id: TableIdentifier,
  request: CreateTableRequest,
  location: string,
  register: (metadataLocation: string, metadata: TableMetadata) => Promise<void>,
): Promise<LoadedTable> {
  const metadata = newTableMetadata(request, location, Date.now());
  const metadataLocation = newMetadataLocation(metadata, undefined);
  await writeMetadata(io, metadataLocation, metadata);
  await dropUnlessItMayHaveLanded(io, metadataLocation, () => register(metadataLocation, metadata));
  return loadedTable(id, metadataLocation, metadata);
}

/** Both catalogs create tables with createTable only: a commit that asserts creation is refused. */
export function refuseCreateByCommit(context: string, requirements: TableRequirement[]): void {
  if (requirements.some((r) => r.type === 'assert-create')) {
    throw new CatalogError(`${context}: creating a table through a commit is not supported; use createTable`);
  }
}

/**
 * Applies `updates` to the table at `current` if `requirements` hold, writes the next metadata file and
 * has `swap` move the catalog's pointer to it (swap refuses when the pointer moved since `current`).
 */
export async function commitPointedTable(
  io: FileIO,
  id: TableIdentifier,
  current: string,
  requirements: TableRequirement[],
  updates: TableUpdate[],
  swap: (metadataLocation: string, next: TableMetadata) => Promise<void>,
): Promise<LoadedTable> {
  const name = [...id.namespace, id.name].join('.');
  const base = await readMetadata(io, current);
  checkRequirements(name, base, requirements);
  const next = withPreviousMetadata(applyUpdates(name, base, updates, Date.now()), base, current);
  const metadataLocation = newMetadataLocation(next, current);
  await writeMetadata(io, metadataLocation, next);
  await dropUnlessItMayHaveLanded(io, metadataLocation, () => swap(metadataLocation, next));
  return loadedTable(id, metadataLocation, next);
}

async function writeMetadata(io: FileIO, location: string, metadata: TableMetadata): Promise<void> {
  await io.write(location, new TextEncoder().encode(stringifyTableMetadata(metadata)));
}

/** Only an outcome known to be a refusal lets the new metadata file go: otherwise the catalog may point at it. */
async function dropUnlessItMayHaveLanded(io: FileIO, location: string, point: () => Promise<void>) {
  try {
    await point();
  } catch (error) {
    if (!(error instanceof CommitStateUnknownError)) await io.delete(location);
    throw error;
  }
}
