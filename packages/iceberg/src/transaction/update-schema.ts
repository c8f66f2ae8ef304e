import { type Catalog, type LoadedTable, type TableIdentifier, tableName } from '../catalog/catalog';
import { type FieldPath, type Schema, schemaToJson } from '../spec/schema';
import { SchemaUpdate, type SchemaUpdateResult } from '../spec/schema-evolution';
import { currentSchema, type TableMetadata } from '../spec/table-metadata';
import type { IcebergType, PrimitiveType } from '../spec/types';
import { stringifyJson } from '../util/json';
import { commitChange } from './commit-loop';
import type { RetryOptions } from './retry';

/** Another writer changed the table's schema first, and the change was not to be applied again to theirs. */
export class ConcurrentSchemaChangeError extends Error {
  override name = 'ConcurrentSchemaChangeError';
}

export interface UpdateSchemaOptions extends RetryOptions {
  /**
   * When another writer changed the schema before this commit: apply the changes again to their
   * schema, with field ids above their last column id ('reapply', the default; a change that no
   * longer fits, such as adding a column they added, fails), or fail with ConcurrentSchemaChangeError
   * ('fail': for a writer that already holds rows with the new field ids).
   */
  onConcurrentChange?: 'reapply' | 'fail';
}

type Change = (update: SchemaUpdate) => void;

/**
 * Schema changes to a table, committed as one new current schema (add-schema, set-current-schema):
 * add an optional column, widen a type (int→long, float→double, decimal precision), make a column
 * optional, rename one. Each change is checked against the spec's rules when it is called (see
 * SchemaUpdate); new field ids come from the table's last-column-id. The commit asserts the schema
 * and last column id it was built on, through the commit loop.
 */
export class UpdateSchema {
  private readonly changes: Change[] = [];
  /** The changes applied to the schema the update started on, as they are made. */
  private readonly preview: SchemaUpdate;
  private committed = false;

  /** Starts a schema update on the table as the catalog has it now, or as given. */
  static async start(
    catalog: Catalog,
    table: TableIdentifier | LoadedTable,
    options: UpdateSchemaOptions = {},
  ): Promise<UpdateSchema> {
    return new UpdateSchema(catalog, 'metadata' in table ? table : await catalog.loadTable(table), options);
  }

  private constructor(
    private readonly catalog: Catalog,
    private readonly base: LoadedTable,
    private readonly options: UpdateSchemaOptions,
  ) {
    this.preview = onCurrent(base.metadata);
  }

  /** Adds an optional column under `parent` (null: top level; a list's element or a map's value struct otherwise). */
  addColumn(parent: FieldPath | null, name: string, type: IcebergType, doc?: string): this {
    return this.record((u) => u.addColumn(parent, name, type, doc));
  }

  /** Widens a primitive column as the spec allows: int→long, float→double, decimal(P,S)→decimal(P2,S), P2 ≥ P. */
  updateColumnType(path: FieldPath, type: PrimitiveType): this {
    return this.record((u) => u.updateColumnType(path, type));
  }

  makeOptional(path: FieldPath): this {
    return this.record((u) => u.makeOptional(path));
  }

  renameColumn(path: FieldPath, newName: string): this {
    return this.record((u) => u.renameColumn(path, newName));
  }

  /** The schema the changes make of the table's schema as the update started, with its last column id. */
  apply(): SchemaUpdateResult {
    return this.preview.apply();
  }

  /** Commits the changes; returns the table with the new schema current. */
  async commit(): Promise<LoadedTable> {
    const name = tableName(this.base.identifier);
    if (this.changes.length === 0) throw new Error(`${name}: no schema change to commit`);
    if (this.committed) throw new Error(`${name}: this schema update was already committed`);
    this.committed = true;
    const base = this.base.metadata;
    let attempted: SchemaUpdateResult | undefined;
    const { table } = await commitChange(
      this.catalog,
      this.base,
      {
        what: 'its schema was changed',
        apply: async ({ metadata }) => {
          const moved =
            metadata.currentSchemaId !== base.currentSchemaId || metadata.lastColumnId !== base.lastColumnId;
          if (moved && this.options.onConcurrentChange === 'fail') {
            throw new ConcurrentSchemaChangeError(`${name}: another writer changed the schema first`);
          }
          attempted = moved ? this.replay(metadata) : this.apply();
          return {
            requirements: [
              { type: 'assert-current-schema-id', currentSchemaId: metadata.currentSchemaId },
              { type: 'assert-last-assigned-field-id', lastAssignedFieldId: metadata.lastColumnId },
            ],
            updates: [
              { action: 'add-schema', schema: attempted.schema, lastColumnId: attempted.lastColumnId },
              { action: 'set-current-schema', schemaId: -1 },
            ],
          };
        },
        // The catalog numbers schemas itself: ours landed if the current one has its fields and ids.
        landed: ({ metadata }) =>
          attempted !== undefined &&
          metadata.lastColumnId === attempted.lastColumnId &&
          sameColumns(currentSchema(metadata), attempted.schema),
      },
      this.options,
    );
    return table;
  }

  private record(change: Change): this {
    change(this.preview); // throws for a change the spec does not allow, before it is kept
    this.changes.push(change);
    return this;
  }

  /** The changes made again, in order, to a schema another writer committed since. */
  private replay(metadata: TableMetadata): SchemaUpdateResult {
    const update = onCurrent(metadata);
    for (const change of this.changes) change(update);
    return update.apply();
  }
}

function onCurrent(metadata: TableMetadata): SchemaUpdate {
  return new SchemaUpdate(currentSchema(metadata), {
    lastColumnId: metadata.lastColumnId,
    schemaId: Math.max(...metadata.schemas.map((s) => s.schemaId)) + 1,
  });
}

const sameColumns = (a: Schema, b: Schema) =>
  stringifyJson(schemaToJson({ ...a, schemaId: 0 })) === stringifyJson(schemaToJson({ ...b, schemaId: 0 }));
