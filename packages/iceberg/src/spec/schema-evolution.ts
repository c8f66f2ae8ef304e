import {
  assignFreshTypeIds,
  childField,
  type FieldPath,
  pathSegments,
  type Schema,
  validateIdentifierFields,
} from './schema';
import {
  type IcebergType,
  isPrimitive,
  MAX_DECIMAL_PRECISION,
  type NestedField,
  type PrimitiveType,
  primitivesEqual,
  primitiveToString,
  type StructType,
} from './types';

export class IncompatibleSchemaChangeError extends Error {
  override name = 'IncompatibleSchemaChangeError';
}

export interface SchemaUpdateOptions {
  /** The table's last-column-id: new columns get ids above it, never reusing a dropped one. */
  lastColumnId: number;
  /** The id of the resulting schema; by default one more than the base schema's. */
  schemaId?: number;
}

export interface SchemaUpdateResult {
  schema: Schema;
  lastColumnId: number;
}

/**
 * A chain of compatible schema changes (spec: "Schema Evolution"), applied in the order they are
 * called, each path naming the field as it is at that point. Anything that could make existing data
 * unreadable is refused with an error naming the field.
 */
export class SchemaUpdate {
  private fields: readonly NestedField[];
  private lastColumnId: number;

  constructor(
    private readonly base: Schema,
    private readonly options: SchemaUpdateOptions,
  ) {
    this.fields = base.fields;
    this.lastColumnId = options.lastColumnId;
  }

  /**
   * Adds an optional column under `parent` (null for top level; a list adds to its element struct, a
   * map to its value struct). Nested types in `type` get fresh ids.
   */
  addColumn(parent: FieldPath | null, name: string, type: IcebergType, doc?: string): this {
    const parentSegments = parent === null ? [] : pathSegments(parent);
    const fullName = [...parentSegments, name].join('.');
    if (name === '') throw new IncompatibleSchemaChangeError('cannot add a column with an empty name');
    let last = this.lastColumnId;
    const added = assignFreshTypeIds(
      { type: 'struct', fields: [{ id: 0, name, required: false, type, ...(doc !== undefined && { doc }) }] },
      () => ++last,
    ) as StructType;
    const field = added.fields[0] as NestedField;
    const addTo = (struct: IcebergType): IcebergType => {
      if (struct.type !== 'struct') {
        throw new IncompatibleSchemaChangeError(
          `cannot add column "${fullName}": its parent is not a struct`,
        );
      }
      if (struct.fields.some((f) => f.name === name)) {
        throw new IncompatibleSchemaChangeError(`cannot add column "${fullName}": it already exists`);
      }
      return { type: 'struct', fields: [...struct.fields, field] };
    };
    if (parentSegments.length === 0) {
      this.fields = (addTo(this.struct()) as StructType).fields;
    } else {
      this.rewrite(parentSegments, (p) => ({ ...p, type: addInside(p.type, addTo) }));
    }
    this.lastColumnId = last;
    return this;
  }

  /** Widens a primitive column: int→long, float→double, decimal(P,S)→decimal(P2,S) with P2 ≥ P. */
  updateColumnType(path: FieldPath, newType: PrimitiveType): this {
    const name = pathSegments(path).join('.');
    this.rewrite(pathSegments(path), (field) => {
      if (!isPrimitive(field.type)) {
        throw new IncompatibleSchemaChangeError(
          `cannot change the type of "${name}": it is a ${field.type.type}`,
        );
      }
      if (!isPromotion(field.type, newType)) {
        throw new IncompatibleSchemaChangeError(
          `cannot change column "${name}" from ${primitiveToString(field.type)} to ${primitiveToString(newType)}: ` +
            'not an allowed promotion (int→long, float→double, decimal precision increase with the same scale)',
        );
      }
      return { ...field, type: newType };
    });
    return this;
  }

  makeOptional(path: FieldPath): this {
    const name = pathSegments(path).join('.');
    this.rewrite(pathSegments(path), (field) => {
      if (this.base.identifierFieldIds.includes(field.id)) {
        throw new IncompatibleSchemaChangeError(`cannot make identifier field "${name}" optional`);
      }
      if (this.isMapKey(path)) {
        throw new IncompatibleSchemaChangeError(
          `cannot make map key "${name}" optional: map keys are required`,
        );
      }
      return { ...field, required: false };
    });
    return this;
  }

  renameColumn(path: FieldPath, newName: string): this {
    const segments = pathSegments(path);
    const name = segments.join('.');
    if (newName === '') throw new IncompatibleSchemaChangeError(`cannot rename "${name}" to an empty name`);
    const parentSegments = segments.slice(0, -1);
    const siblings = parentSegments.length === 0 ? this.struct() : this.typeAt(parentSegments);
    if (siblings.type !== 'struct') {
      throw new IncompatibleSchemaChangeError(`cannot rename "${name}": only struct fields have names`);
    }
    if (siblings.fields.some((f) => f.name === newName)) {
      throw new IncompatibleSchemaChangeError(`cannot rename "${name}" to "${newName}": that name is taken`);
    }
    this.rewrite(segments, (field) => ({ ...field, name: newName }));
    return this;
  }

  apply(): SchemaUpdateResult {
    const schema: Schema = {
      schemaId: this.options.schemaId ?? this.base.schemaId + 1,
      fields: this.fields,
      identifierFieldIds: this.base.identifierFieldIds,
    };
    validateIdentifierFields(schema);
    return { schema, lastColumnId: this.lastColumnId };
  }

  private struct(): StructType {
    return { type: 'struct', fields: this.fields };
  }

  private isMapKey(path: FieldPath): boolean {
    const segments = pathSegments(path);
    return segments.at(-1) === 'key' && this.typeAt(segments.slice(0, -1)).type === 'map';
  }

  private typeAt(segments: readonly string[]): IcebergType {
    let type: IcebergType = this.struct();
    for (const [i, segment] of segments.entries()) {
      const child = childField(type, segment);
      if (child === undefined) throw missing(segments.slice(0, i + 1));
      type = child.type;
    }
    return type;
  }

  /** Replaces the field at `segments` (a struct field, list element or map key/value) with `fn(field)`. */
  private rewrite(segments: readonly string[], fn: (field: NestedField) => NestedField): void {
    const rewriteType = (type: IcebergType, depth: number): IcebergType => {
      const segment = segments[depth] as string;
      const child = childField(type, segment);
      if (child === undefined) throw missing(segments.slice(0, depth + 1));
      const last = depth === segments.length - 1;
      const updated = last ? fn(child) : { ...child, type: rewriteType(child.type, depth + 1) };
      switch (type.type) {
        case 'struct':
          return { type: 'struct', fields: type.fields.map((f) => (f.id === child.id ? updated : f)) };
        case 'list':
          return { ...type, element: updated.type, elementRequired: updated.required };
        case 'map':
          return segment === 'key'
            ? { ...type, key: updated.type }
            : { ...type, value: updated.type, valueRequired: updated.required };
        default:
          throw missing(segments.slice(0, depth + 1));
      }
    };
    this.fields = (rewriteType(this.struct(), 0) as StructType).fields;
  }
}

/** Applies `add` to the struct a new column goes into: the type itself, a list's element or a map's value. */
function addInside(type: IcebergType, add: (struct: IcebergType) => IcebergType): IcebergType {
  if (type.type === 'list') return { ...type, element: add(type.element) };
  if (type.type === 'map') return { ...type, value: add(type.value) };
  return add(type);
}

function missing(segments: readonly string[]): IncompatibleSchemaChangeError {
  return new IncompatibleSchemaChangeError(`schema has no field "${segments.join('.')}"`);
}

function isPromotion(from: PrimitiveType, to: PrimitiveType): boolean {
  if (primitivesEqual(from, to)) return true;
  if (from.type === 'int') return to.type === 'long';
  if (from.type === 'float') return to.type === 'double';
  if (from.type === 'decimal' && to.type === 'decimal') {
    return to.scale === from.scale && to.precision >= from.precision && to.precision <= MAX_DECIMAL_PRECISION;
  }
  return false;
}
