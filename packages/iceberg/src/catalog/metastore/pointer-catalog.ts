import { deleteFiles } from '../../io/delete-files';
import type { FileIO } from '../../io/file-io';
import { referencedByTable } from '../../reader/reachable';
import { type Catalog, type LoadedTable, type Namespace, type TableIdentifier, tableName } from '../catalog';
import { CatalogError, NoSuchNamespaceError, NoSuchTableError } from '../errors';
import { loadedTable, readMetadata } from './pointer-table';

// Table parameters that make a metastore table an Iceberg table (as the reference Glue and Hive catalogs set them).
export const TABLE_TYPE = 'table_type';
export const METADATA_LOCATION = 'metadata_location';
export const PREVIOUS_METADATA_LOCATION = 'previous_metadata_location';

/** Whether a metastore table's parameters make it an Iceberg table. */
export function isIcebergTable(parameters: Record<string, string> | undefined): boolean {
  return parameters?.[TABLE_TYPE]?.toLowerCase() === 'iceberg';
}

/** The database a namespace names: a metastore's (`metastore`: Glue, Hive) namespaces have exactly one level. */
export function databaseName(namespace: Namespace, metastore: string): string {
  if (namespace.length !== 1 || !namespace[0]) {
    throw new CatalogError(
      `${metastore} namespaces have exactly one level (a database), got "${namespace.join('.')}"`,
    );
  }
  return namespace[0];
}

/** A table's entry in the metastore (a Glue table, a Hive table) and the metadata file it points at. */
export interface TablePointer<Entry> {
  table: Entry;
  metadataLocation: string;
}

/**
 * What a catalog that keeps only a pointer to each table's current metadata file (AWS Glue, the Hive
 * Metastore) does the same way whatever keeps the pointer: loading a table, saying whether it exists
 * and dropping it. Each metastore says how it reads and removes its pointer.
 */
export abstract class PointerCatalog<Entry>
  implements Pick<Catalog, 'loadTable' | 'tableExists' | 'dropTable'>
{
  protected constructor(protected readonly io: FileIO) {}

  /**
   * The metastore's entry of an Iceberg table: NoSuchTableError when there is none, it is not an
   * Iceberg table or points at no metadata file; NoSuchNamespaceError when its database is missing.
   */
  protected abstract getPointer(id: TableIdentifier, context: string): Promise<TablePointer<Entry>>;

  /** Removes the table's entry from the metastore (its files stay). */
  protected abstract deletePointer(id: TableIdentifier, context: string): Promise<void>;

  async loadTable(id: TableIdentifier): Promise<LoadedTable> {
    const { metadataLocation } = await this.getPointer(id, `load table ${tableName(id)}`);
    return loadedTable(id, metadataLocation, await readMetadata(this.io, metadataLocation));
  }

  async tableExists(id: TableIdentifier): Promise<boolean> {
    try {
      await this.getPointer(id, `check table ${tableName(id)}`);
      return true;
    } catch (error) {
      if (error instanceof NoSuchTableError || error instanceof NoSuchNamespaceError) return false;
      throw error;
    }
  }

  /** Removes the table from the metastore and, with `purge`, deletes every file it referenced. */
  async dropTable(id: TableIdentifier, options: { purge?: boolean } = {}): Promise<void> {
    const context = `drop table ${tableName(id)}`;
    const { metadataLocation } = await this.getPointer(id, context);
    // What to purge is read before the table goes: afterwards nothing points at it any more.
    const files = options.purge
      ? await referencedByTable(this.io, await readMetadata(this.io, metadataLocation), metadataLocation)
      : [];
    await this.deletePointer(id, context);
    const { failures } = await deleteFiles(this.io, { files });
    if (failures.length > 0) {
      throw new CatalogError(
        `${context}: the table is dropped, but ${failures.length} of its files could not be deleted, e.g. ${failures[0]?.location}: ${failures[0]?.error}`,
      );
    }
  }
}
