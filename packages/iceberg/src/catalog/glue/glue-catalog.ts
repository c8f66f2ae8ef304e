import {
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteDatabaseCommand,
  DeleteTableCommand,
  GetDatabaseCommand,
  GetDatabasesCommand,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
  type GlueClientConfig,
  type Table,
  type TableInput,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import type { FileIO } from '../../io/file-io';
import type { TableMetadata } from '../../spec/table-metadata';
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

export interface GlueCatalogOptions {
  region: string;
  /** A custom endpoint (moto, a VPC endpoint); unset for AWS itself. */
  endpoint?: string;
  /** Static keys or, better, a provider the SDK calls again before they expire (as for S3FileIO). */
  credentials?: GlueClientConfig['credentials'];
  /** The account id of the Glue Data Catalog (default: the caller's own). */
  catalogId?: string;
  /** New tables go to <warehouse>/<database>.db/<table> when neither the request nor the database names a location. */
  warehouse?: string;
  /** Reads and writes the metadata files (the table's own storage). */
  io: FileIO;
}

/**
 * Iceberg tables in the AWS Glue Data Catalog: a database is a (single-level) namespace, a table is a
 * Glue table whose parameters point at its current metadata file. A commit writes a new metadata file
 * and swaps the pointer with UpdateTable, Glue's VersionId of the table as read being the lock.
 */
export class GlueCatalog extends PointerCatalog<Table> implements Catalog {
  private readonly glue: GlueClient;

  constructor(private readonly options: GlueCatalogOptions) {
    super(options.io);
    this.glue = new GlueClient({
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.credentials,
    });
  }

  /** Releases the Glue client's sockets (not the FileIO's). */
  close(): void {
    this.glue.destroy();
  }

  async listNamespaces(parent?: Namespace): Promise<Namespace[]> {
    // Glue databases do not nest.
    if (parent?.length) return [];
    const out: Namespace[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.send('list namespaces', () =>
        this.glue.send(new GetDatabasesCommand({ CatalogId: this.options.catalogId, NextToken })),
      );
      for (const db of page.DatabaseList ?? []) if (db.Name) out.push([db.Name]);
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  }

  async createNamespace(namespace: Namespace, properties: Record<string, string> = {}): Promise<void> {
    const Name = databaseName(namespace);
    const { location, comment, ...parameters } = properties;
    await this.send(`create namespace ${Name}`, () =>
      this.glue.send(
        new CreateDatabaseCommand({
          CatalogId: this.options.catalogId,
          DatabaseInput: { Name, LocationUri: location, Description: comment, Parameters: parameters },
        }),
      ),
    );
  }

  async dropNamespace(namespace: Namespace): Promise<void> {
    const Name = databaseName(namespace);
    // Glue would drop the database's tables with it: refuse as the other catalogs do.
    const tables = await this.glueTables(namespace);
    if (tables.length > 0) {
      throw new NamespaceNotEmptyError(`drop namespace ${Name}: it still has ${tables.length} table(s)`);
    }
    await this.send(`drop namespace ${Name}`, () =>
      this.glue.send(new DeleteDatabaseCommand({ CatalogId: this.options.catalogId, Name })),
    );
  }

  async listTables(namespace: Namespace): Promise<TableIdentifier[]> {
    return (await this.glueTables(namespace))
      .filter((t) => isIcebergTable(t.Parameters))
      .map((t) => ({ namespace: [databaseName(namespace)], name: t.Name as string }));
  }

  async createTable(namespace: Namespace, request: CreateTableRequest): Promise<LoadedTable> {
    const DatabaseName = databaseName(namespace);
    const id = { namespace: [DatabaseName], name: request.name };
    const context = `create table ${tableName(id)}`;
    const database = await this.send(context, () =>
      this.glue.send(new GetDatabaseCommand({ CatalogId: this.options.catalogId, Name: DatabaseName })),
    );
    const location =
      request.location ??
      defaultTableLocation(
        DatabaseName,
        request.name,
        database.Database?.LocationUri,
        this.options.warehouse,
      );
    return createPointedTable(this.io, id, request, location, (metadataLocation, metadata) =>
      this.send(context, () =>
        this.glue.send(
          new CreateTableCommand({
            CatalogId: this.options.catalogId,
            DatabaseName,
            TableInput: {
              Name: request.name,
              TableType: 'EXTERNAL_TABLE',
              Parameters: { [TABLE_TYPE]: 'ICEBERG', [METADATA_LOCATION]: metadataLocation },
              StorageDescriptor: { Location: metadata.location },
            },
          }),
        ),
      ).then(() => undefined),
    );
  }

  async updateTable(
    id: TableIdentifier,
    requirements: TableRequirement[],
    updates: TableUpdate[],
  ): Promise<LoadedTable> {
    const context = `commit to table ${tableName(id)}`;
    refuseCreateByCommit(context, requirements);
    const current = await this.getPointer(id, context);
    return commitPointedTable(
      this.io,
      id,
      current.metadataLocation,
      requirements,
      updates,
      async (metadataLocation, next) => {
        try {
          await this.glue.send(
            new UpdateTableCommand({
              CatalogId: this.options.catalogId,
              DatabaseName: databaseName(id.namespace),
              TableInput: nextTableInput(current.table, next, metadataLocation, current.metadataLocation),
              // Glue refuses the update if the table changed since it was read: the optimistic lock.
              VersionId: current.table.VersionId,
            }),
          );
        } catch (error) {
          throw commitError(context, error);
        }
      },
    );
  }

  private async glueTables(namespace: Namespace): Promise<Table[]> {
    const DatabaseName = databaseName(namespace);
    const out: Table[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.send(`list tables of ${DatabaseName}`, () =>
        this.glue.send(new GetTablesCommand({ CatalogId: this.options.catalogId, DatabaseName, NextToken })),
      );
      out.push(...(page.TableList ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  }

  protected async getPointer(id: TableIdentifier, context: string): Promise<TablePointer<Table>> {
    const { Table: table } = await this.send(context, () =>
      this.glue.send(
        new GetTableCommand({
          CatalogId: this.options.catalogId,
          DatabaseName: databaseName(id.namespace),
          Name: id.name,
        }),
      ),
    );
    const metadataLocation = table?.Parameters?.[METADATA_LOCATION];
    if (table === undefined || !isIcebergTable(table.Parameters)) {
      throw new NoSuchTableError(
        `${context}: ${tableName(id)} is not an Iceberg table (Glue ${TABLE_TYPE} is not ICEBERG)`,
      );
    }
    if (metadataLocation === undefined) {
      throw new NoSuchTableError(`${context}: Glue table ${tableName(id)} has no ${METADATA_LOCATION}`);
    }
    return { table, metadataLocation };
  }

  protected async deletePointer(id: TableIdentifier, context: string): Promise<void> {
    await this.send(context, () =>
      this.glue.send(
        new DeleteTableCommand({
          CatalogId: this.options.catalogId,
          DatabaseName: databaseName(id.namespace),
          Name: id.name,
        }),
      ),
    );
  }

  /** Runs a Glue call, turning its errors into the catalog's own. */
  private async send<T>(context: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw glueError(context, error);
    }
  }
}

function databaseName(namespace: Namespace): string {
  return metastoreDatabase(namespace, 'Glue');
}

/**
 * The table as Glue had it, pointing at the new metadata file: what else Glue or another tool keeps
 * there (description, owner, columns, other parameters) is carried over unchanged.
 */
function nextTableInput(
  table: Table,
  metadata: TableMetadata,
  location: string,
  previous: string,
): TableInput {
  return {
    Name: table.Name,
    Description: table.Description,
    Owner: table.Owner,
    Retention: table.Retention,
    PartitionKeys: table.PartitionKeys,
    TableType: table.TableType ?? 'EXTERNAL_TABLE',
    TargetTable: table.TargetTable,
    StorageDescriptor: { ...table.StorageDescriptor, Location: metadata.location },
    Parameters: {
      ...table.Parameters,
      [TABLE_TYPE]: 'ICEBERG',
      [METADATA_LOCATION]: location,
      [PREVIOUS_METADATA_LOCATION]: previous,
    },
  };
}

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function glueError(context: string, error: unknown): CatalogError {
  const e = error as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const message = `${context}: ${e.message ?? String(error)} (${e.name ?? 'error'}${status ? `, HTTP ${status}` : ''})`;
  const options = { cause: error };
  switch (e.name) {
    case 'EntityNotFoundException':
      // Glue says which: "Database x not found." or "Table y not found.".
      return /database/i.test(e.message ?? '')
        ? new NoSuchNamespaceError(message, status, e.name, options)
        : new NoSuchTableError(message, status, e.name, options);
    case 'AlreadyExistsException':
      return new AlreadyExistsError(message, status, e.name, options);
    case 'ConcurrentModificationException':
      return new CommitFailedError(message, status, e.name, options);
    default:
      return new CatalogError(message, status, e.name, options);
  }
}

/** A commit's error: refused (the table changed, or is gone), or of unknown outcome (no answer, a 5xx). */
function commitError(context: string, error: unknown): CatalogError {
  const mapped = glueError(context, error);
  const status = mapped.status;
  if (mapped instanceof CommitFailedError || mapped instanceof NoSuchTableError) return mapped;
  if (status === undefined || status >= 500) {
    return new CommitStateUnknownError(`${mapped.message}: outcome unknown`, status, mapped.type, {
      cause: error,
    });
  }
  return mapped;
}
