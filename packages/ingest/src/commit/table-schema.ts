import {
  type Catalog,
  type LoadedTable,
  newSchema,
  type Schema,
  type StructType,
  UpdateSchema,
} from '@floe/iceberg';
import type { ChangeSet } from '../changes/change-set';
import { RecordRejectedError, type TypedValue } from '../decode/decoded';
import type { RawBatch, RejectedRecord } from '../engine/engine';
import { type RecordReader, recordOf } from '../engine/read-record';
import { fitRecord, type SchemaChange, type SchemaPolicy } from '../fit/fit-record';
import { mergeStructs } from '../fit/merge-types';
import { applySchemaChanges } from '../fit/schema-changes';

// How a sink's schema is made and grown, from records read the TypeScript way: a new table's first
// schema, and the change one record needs under `evolve`. Pure of the sink's state.

/** Schema changes made locally and not committed yet: the table they start from, and each step's changes. */
export interface PendingSchema {
  table: LoadedTable;
  steps: (readonly SchemaChange[])[];
}

/**
 * A new table's schema from the types of a batch's records (all of them, not just one; keyed rows
 * when the table takes changes). Undefined when no record can be read.
 */
export async function firstSchema(
  batch: RawBatch,
  read: RecordReader,
  changes: ChangeSet | undefined,
): Promise<Schema | undefined> {
  const rows = changes === undefined ? batch : changes.rowRecords(batch);
  const types: StructType[] = [];
  for (let i = 0; i < rows.length; i += 1) {
    try {
      types.push((await read(recordOf(rows, i))).type);
    } catch (error) {
      if (!(error instanceof RecordRejectedError)) throw error;
    }
  }
  if (types.length === 0) return undefined;
  return changes === undefined ? newSchema(mergeStructs(types).fields) : keyedSchema(types, changes);
}

/** A keyed table's first schema: the key fields are required, and its identifier fields. */
function keyedSchema(types: StructType[], changes: ChangeSet): Schema {
  const fields = mergeStructs(types).fields.map((f) =>
    changes.keyNames.includes(f.name) ? { ...f, required: true } : f,
  );
  const schema = newSchema(fields, { identifierFields: changes.keyNames });
  changes.keys(schema); // a key field of a type that cannot be a key fails here, by name
  return schema;
}

/**
 * The schema change record `index` of the batch needs (the engine said it needs one), worked out from
 * the record's own types; its rejection when it cannot be read after all.
 */
export async function changesFor(
  name: string,
  engine: string | undefined,
  batch: RawBatch,
  index: number,
  schema: Schema,
  read: RecordReader,
  policy: SchemaPolicy,
): Promise<{ changes: readonly SchemaChange[] } | { rejected: RejectedRecord }> {
  let value: TypedValue;
  try {
    value = await read(recordOf(batch, index));
  } catch (error) {
    if (!(error instanceof RecordRejectedError)) throw error;
    return { rejected: { index, reason: error.reason, message: error.message } };
  }
  const fit = fitRecord({ type: 'struct', fields: schema.fields }, value, policy);
  if (!('changes' in fit)) {
    throw new Error(
      `${name}: the ${engine} engine asked for a schema change that record ${batch.topic}/${batch.partition}@${batch.offset(index)} does not need`,
    );
  }
  return { changes: fit.changes };
}

/** The table's schema update holding the pending steps and then `next` (which fails alone, keeping nothing). */
export async function schemaUpdate(
  catalog: Catalog,
  pending: PendingSchema,
  next: readonly SchemaChange[],
  maxAttempts: number | undefined,
): Promise<UpdateSchema> {
  const update = await UpdateSchema.start(catalog, pending.table, {
    // Rows held carry the new field ids: the schema cannot be made again on another writer's.
    onConcurrentChange: 'fail',
    ...(maxAttempts !== undefined && { maxAttempts }),
  });
  for (const step of [...pending.steps, next]) applySchemaChanges(update, step);
  return update;
}
