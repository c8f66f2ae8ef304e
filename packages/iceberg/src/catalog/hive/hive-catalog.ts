import type { FileIO } from '../../io/file-io';
import type { Catalog, CreateTableRequest, LoadedTable, Namespace, TableIdentifier } from '../catalog';
import { tableName } from '../catalog';
import {
  AlreadyExistsError,
  CatalogError,
  CommitFailedError,
  CommitStateUnknownError,
  NamespaceNotEmptyError,
  NoSuchNamespaceError,
  NoSuchTableError,
} from '../errors';
import {
  isIcebergTable,
  METADATA_LOCATION,
  databaseName as metastoreDatabase,
  PointerCatalog,
  PREVIOUS_METADATA_LOCATION,
  TABLE_TYPE,
  type TablePointer,
} from '../metastore/pointer-catalog';
import {
  commitPointedTable,
  createPointedTable,
  defaultTableLocation,
  refuseCreateByCommit,
} from '../metastore/pointer-table';
import type { TableRequirement, TableUpdate } from '../table-commit';
import { type HiveTable, MetastoreClient, MetastoreError } from './metastore-client';
import { ThriftApplicationError, ThriftTransportError } from './thrift-client';

export interface HiveCatalogOptions {
  /** The metastore's Thrift endpoint, e.g. "thrift://metastore:9083". */
  uri: string;
  /** New tables go to <warehouse>/<database>.db/<table> when neither the request nor the database names a location. */
  warehouse?: string;
  /** Reads and writes the metadata files (the table's own storage). */
  io: FileIO;
  /** How long one metastore call may take (default 30 s). */
  timeoutMs?: number;
}

/**
 * Iceberg tables in a Hive Metastore, over its Thrift API: a database is a (single-level) namespace, a
 * table an external table whose parameters point at its current metadata file. A commit writes a new
 * metadata file and swaps the pointer with alter_table, which the metastore (Hive 4) applies only if
 * metadata_location is still the one the commit started from: no metastore lock is taken. Hive 2 and 3
 * metastores ignore that check: commits to them are refused.
 */
export class HiveCatalog extends PointerCatalog<HiveTable> implements Catalog {
  private readonly metastore: MetastoreClient;
  /** The metastore's version, once it was found to check commits (Hive 4 or newer). */
  private checkedVersion: string | undefined;

  constructor(private readonly options: HiveCatalogOptions) {
    super(options.io);
    this.metastore = new MetastoreClient({ ...parseThriftUri(options.uri), timeoutMs: options.timeoutMs });
  }

  /** Closes the metastore connection (not the FileIO). */
  close(): void {
    this.metastore.close();
  }

  async listNamespaces(parent?: Namespace): Promise<Namespace[]> {
    // Hive databases do not nest.
    if (parent?.length) return [];
    const names = await this.send('list namespaces', () => this.metastore.getAllDatabases());
    return names.map((name) => [name]);
  }

  async createNamespace(namespace: Namespace, properties: Record<string, string> = {}): Promise<void> {
    const name = databaseName(namespace);
    const { location, comment, ...parameters } = properties;
    await this.send(`create namespace ${name}`, () =>
      this.metastore.createDatabase({ name, description: comment, locationUri: location, parameters }),
    );
  }

  async dropNamespace(namespace: Namespace): Promise<void> {
    const name = databaseName(namespace);
    const tables = await this.send(`drop namespace ${name}`, () => this.metastore.getAllTables(name));
    if (tables.length > 0) {
      throw new NamespaceNotEmptyError(`drop namespace ${name}: it still has ${tables.length} table(s)`);
    }
    await this.send(`drop namespace ${name}`, () => this.metastore.dropDatabase(name));
  }

  async listTables(namespace: Namespace): Promise<TableIdentifier[]> {
    const database = databaseName(namespace);
    const context = `list tables of ${database}`;
    // The existence check first: get_all_tables answers an empty list for a missing database.
    await this.send(context, () => this.metastore.getDatabase(database));
    const out: TableIdentifier[] = [];
    for (const name of await this.send(context, () => this.metastore.getAllTables(database))) {
      const table = await this.send(context, () => this.metastore.getTable(database, name)).catch(
        (error: unknown) => {
          // Dropped between the two calls.
          if (error instanceof NoSuchTableError) return undefined;
          throw error;
        },
      );
      if (table && isIcebergTable(table.parameters)) out.push({ namespace: [database], name });
    }
    return out;
  }

  async createTable(namespace: Namespace, request: CreateTableRequest): Promise<LoadedTable> {
    const database = databaseName(namespace);
    const id = { namespace: [database], name: request.name };
    const context = `create table ${tableName(id)}`;
    const db = await this.send(context, () => this.metastore.getDatabase(database));
    const location =
      request.location ??
      defaultTableLocation(database, request.name, db.locationUri, this.options.warehouse);
    return createPointedTable(this.io, id, request, location, (metadataLocation, metadata) =>
      this.change(context, () =>
        this.metastore.createExternalTable(database, request.name, metadata.location, {
          [TABLE_TYPE]: 'ICEBERG',
          [METADATA_LOCATION]: metadataLocation,
        }),
      ),
    );
  }

  async updateTable(
    id: TableIdentifier,
    requirements: TableRequirement[],
    updates: TableUpdate[],
  ): Promise<LoadedTable> {
    const context = `commit to table ${tableName(id)}`;
    refuseCreateByCommit(context, requirements);
    await this.requireCheckedCommits(context);
    const current = await this.getPointer(id, context);
    return commitPointedTable(
      this.io,
      id,
      current.metadataLocation,
      requirements,
      updates,
      (metadataLocation) =>
        this.change(context, () =>
          this.metastore.alterTableParameters(
            current.table,
            {
              [TABLE_TYPE]: 'ICEBERG',
              [METADATA_LOCATION]: metadataLocation,
              [PREVIOUS_METADATA_LOCATION]: current.metadataLocation,
            },
            // The metastore applies the change only if the pointer is still the one this commit started from.
            { key: METADATA_LOCATION, value: current.metadataLocation },
          ),
        ),
    );
  }

  /**
   * Hive 2 and 3 metastores accept alter_table's expected metadata_location and ignore it: a commit
   * there could silently overwrite another writer's. Floe commits only where the check is made.
   * Answers the metastore's version (a connection test reports it).
   */
  async requireCheckedCommits(context: string): Promise<string> {
    if (this.checkedVersion !== undefined) return this.checkedVersion;
    const version = await this.send(context, () => this.metastore.getVersion());
    if (!(Number(/^(\d+)\./.exec(version)?.[1]) >= 4)) {
      throw new CatalogError(
        `${context}: the metastore is Hive ${version || '(no version given)'}, which does not check a commit's expected metadata_location; Floe commits to Hive Metastore 4.0 or newer`,
      );
    }
    this.checkedVersion = version;
    return version;
  }

  protected async getPointer(id: TableIdentifier, context: string): Promise<TablePointer<HiveTable>> {
    const table = await this.send(context, () =>
      this.metastore.getTable(databaseName(id.namespace), id.name),
    );
    if (!isIcebergTable(table.parameters)) {
      throw new NoSuchTableError(
        `${context}: ${tableName(id)} is not an Iceberg table (${TABLE_TYPE} is not ICEBERG)`,
      );
    }
    const metadataLocation = table.parameters[METADATA_LOCATION];
    if (!metadataLocation) {
      throw new NoSuchTableError(`${context}: metastore table ${tableName(id)} has no ${METADATA_LOCATION}`);
    }
    return { table, metadataLocation };
  }

  protected async deletePointer(id: TableIdentifier, context: string): Promise<void> {
    await this.send(context, () => this.metastore.dropTable(databaseName(id.namespace), id.name));
  }

  /** Runs a create or commit: with no answer (ThriftTransportError) it may or may not have landed. */
  private async change(context: string, call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      if (!(error instanceof ThriftTransportError)) throw metastoreError(context, error);
      throw new CommitStateUnknownError(
        `${context}: ${error.message}: outcome unknown`,
        undefined,
        error.name,
        {
          cause: error,
        },
      );
    }
  }

  /** Runs a metastore call, turning its errors into the catalog's own. */
  private async send<T>(context: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw metastoreError(context, error);
    }
  }
}

/** host and port of "thrift://host:port" (port 9083, the metastore's, when unset). */
export function parseThriftUri(uri: string): { host: string; port: number } {
  const match = /^thrift:\/\/([^:/]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(uri.trim());
  if (!match) throw new CatalogError(`metastore uri "${uri}" is not of the form thrift://host:port`);
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port: Number(match[2] ?? 9083) };
}

function databaseName(namespace: Namespace): string {
  return metastoreDatabase(namespace, 'Hive');
}

function metastoreError(context: string, error: unknown): CatalogError {
  const options = { cause: error };
  if (error instanceof ThriftTransportError || error instanceof ThriftApplicationError)
    return new CatalogError(`${context}: ${error.message}`, undefined, error.name, options);
  if (!(error instanceof MetastoreError))
    return new CatalogError(`${context}: ${String(error)}`, undefined, undefined, options);
  const message = `${context}: ${error.message}`;
  switch (error.type) {
    case 'NoSuchObjectException':
      // The metastore says which: "database hive.x" or "hive.x.y table not found".
      return /^database /i.test(error.message.replace(/^\w+: /, ''))
        ? new NoSuchNamespaceError(message, undefined, error.type, options)
        : new NoSuchTableError(message, undefined, error.type, options);
    case 'AlreadyExistsException':
      return new AlreadyExistsError(message, undefined, error.type, options);
    case 'InvalidOperationException':
      return /not empty|still has|tables/i.test(error.message)
        ? new NamespaceNotEmptyError(message, undefined, error.type, options)
        : new CatalogError(message, undefined, error.type, options);
    case 'MetaException':
      // alter_table's check of the expected metadata_location failed: someone else committed first.
      return /has been modified/i.test(error.message)
        ? new CommitFailedError(message, undefined, error.type, options)
        : new CatalogError(message, undefined, error.type, options);
    default:
      return new CatalogError(message, undefined, error.type, options);
  }
}
