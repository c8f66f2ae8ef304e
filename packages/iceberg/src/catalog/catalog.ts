import type { PartitionSpec } from '../spec/partition-spec';
import type { Schema } from '../spec/schema';
import type { SortOrder, TableMetadata } from '../spec/table-metadata';
import type { TableRequirement, TableUpdate } from './table-commit';

/** A namespace is a path of names, e.g. ["analytics", "kafka"]. */
export type Namespace = readonly string[];

export interface TableIdentifier {
  readonly namespace: Namespace;
  readonly name: string;
}

export function tableName(id: TableIdentifier): string {
  return [...id.namespace, id.name].join('.');
}

export interface CreateTableRequest {
  name: string;
  schema: Schema;
  partitionSpec?: PartitionSpec;
  sortOrder?: SortOrder;
  /** Where the table's files go; the catalog picks one under its warehouse when unset. */
  location?: string;
  /** Table properties; "format-version" chooses the table format version (2 by default). */
  properties?: Record<string, string>;
}

export interface LoadedTable {
  identifier: TableIdentifier;
  metadataLocation: string | undefined;
  metadata: TableMetadata;
  /** Settings the catalog hands the client for this table (e.g. vended S3 credentials). */
  config: Record<string, string>;
  /** Vended credentials per storage prefix, longest prefix wins (REST "storage-credentials"). */
  storageCredentials: { prefix: string; config: Record<string, string> }[];
}

/** The few catalog operations a writer needs; one implementation per catalog kind (REST, Glue, ...). */
export interface Catalog {
  listNamespaces(parent?: Namespace): Promise<Namespace[]>;
  createNamespace(namespace: Namespace, properties?: Record<string, string>): Promise<void>;
  dropNamespace(namespace: Namespace): Promise<void>;
  listTables(namespace: Namespace): Promise<TableIdentifier[]>;
  createTable(namespace: Namespace, request: CreateTableRequest): Promise<LoadedTable>;
  loadTable(id: TableIdentifier): Promise<LoadedTable>;
  tableExists(id: TableIdentifier): Promise<boolean>;
  /** `purge` asks the catalog to delete the table's files too. */
  dropTable(id: TableIdentifier, options?: { purge?: boolean }): Promise<void>;
  /**
   * Applies `updates` atomically if every requirement holds. Throws CommitFailedError when one does
   * not, CommitStateUnknownError when the outcome cannot be known.
   */
  updateTable(
    id: TableIdentifier,
    requirements: TableRequirement[],
    updates: TableUpdate[],
  ): Promise<LoadedTable>;
}
