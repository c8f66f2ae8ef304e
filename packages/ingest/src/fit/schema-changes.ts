import type { FieldPath, IcebergType, PrimitiveType } from '@floe/iceberg';
import type { SchemaChange } from './fit-record';

/** What the changes are made with: a table's UpdateSchema action, or a SchemaUpdate of a schema alone. */
export interface SchemaChanges {
  addColumn(parent: FieldPath | null, name: string, type: IcebergType): unknown;
  updateColumnType(path: FieldPath, type: PrimitiveType): unknown;
  makeOptional(path: FieldPath): unknown;
}

/**
 * Makes the changes records asked for, as one step: a column asked to be added twice is added once
 * (a record whose value then does not fit it is rejected when fitted again), and widenings of one
 * column keep the widest.
 */
export function applySchemaChanges(update: SchemaChanges, changes: readonly SchemaChange[]): void {
  const added = new Set<string>();
  const widest = new Map<string, Extract<SchemaChange, { kind: 'widen' }>>();
  const optional = new Set<string>();
  for (const change of changes) {
    if (change.kind === 'add-column') {
      const key = [...change.parent, change.name].join('.');
      if (added.has(key)) continue;
      added.add(key);
      update.addColumn(change.parent.length === 0 ? null : change.parent, change.name, change.type);
    } else if (change.kind === 'widen') {
      const key = change.path.join('.');
      const previous = widest.get(key);
      const wider =
        previous === undefined ||
        (change.type.type === 'decimal' &&
          previous.type.type === 'decimal' &&
          change.type.precision > previous.type.precision);
      if (wider) widest.set(key, change);
    } else {
      optional.add(change.path.join('.'));
    }
  }
  for (const change of widest.values()) update.updateColumnType(change.path, change.type);
  for (const path of optional) update.makeOptional(path.split('.'));
}
