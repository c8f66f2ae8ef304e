import {
  type IcebergType,
  isPrimitive,
  type NestedField,
  type PrimitiveType,
  primitiveToString,
  type Row,
  type StructType,
} from '@floe/iceberg';
import { RecordRejectedError, type TypedValue } from '../decode/decoded';
import { describeValue, fitPrimitive } from './convert-primitive';

/** What a pipeline does with a record that does not match the table's schema. */
export type SchemaPolicy = 'evolve' | 'strict' | 'ignore-new-fields';

/** A schema change a record needs before it fits; paths use "element", "key", "value" inside lists and maps. */
export type SchemaChange =
  | { kind: 'add-column'; parent: string[]; name: string; type: IcebergType }
  | { kind: 'widen'; path: string[]; type: PrimitiveType }
  | { kind: 'make-optional'; path: string[] };

/** Either the record as a row of the table, or the changes the table needs first (only under `evolve`). */
export type FitResult = { row: Row } | { changes: SchemaChange[] };

/**
 * Fits a decoded record to the table's columns by name: values are converted exactly (int into long,
 * a 2-decimal into a 4-decimal, ...), a value that fits no legal promotion of its column is rejected
 * with the field, value and column type, and a record with new fields or wider values asks for the
 * schema change under `evolve`, is rejected under `strict`, or loses only the new fields under
 * `ignore-new-fields`.
 */
export function fitRecord(table: StructType, record: TypedValue, policy: SchemaPolicy): FitResult {
  const fitter = new Fitter(policy);
  const row = fitter.struct(table, record.type, record.row, []);
  return fitter.changes.length > 0 ? { changes: fitter.changes } : { row };
}

/**
 * One top-level column's value as fitRecord would give it for a record whose type has `type` (or no
 * field: undefined) and whose row has `value` (null when absent) under that name; undefined when the
 * column needs a schema change first. Throws RecordRejectedError as fitRecord does.
 */
export function fitField(
  column: NestedField,
  type: IcebergType | undefined,
  value: unknown,
  policy: SchemaPolicy,
): { value: unknown } | undefined {
  const fitter = new Fitter(policy);
  const fitted = fitter.field(column, type, value, []);
  return fitter.changes.length > 0 ? undefined : { value: fitted };
}

class Fitter {
  readonly changes: SchemaChange[] = [];

  constructor(private readonly policy: SchemaPolicy) {}

  struct(column: StructType, record: StructType, value: Row, path: string[]): Row {
    const out: Row = {};
    const recordFields = new Map(record.fields.map((f) => [f.name, f]));
    for (const field of column.fields) {
      out[field.name] = this.field(
        field,
        recordFields.get(field.name)?.type,
        value[field.name] ?? null,
        path,
      );
    }
    const columns = new Set(column.fields.map((f) => f.name));
    for (const field of record.fields) {
      if (columns.has(field.name) || this.policy === 'ignore-new-fields') continue;
      if (this.policy === 'strict') {
        throw new RecordRejectedError(
          'schema-violation',
          `${dotted([...path, field.name])} is not a column of the table (schema policy strict)`,
        );
      }
      this.changes.push({ kind: 'add-column', parent: path, name: field.name, type: field.type });
    }
    return out;
  }

  /** One column's value from the record's value of that name and its type (undefined: the record's type has no such field). */
  field(field: NestedField, type: IcebergType | undefined, value: unknown, path: string[]): unknown {
    const fieldPath = [...path, field.name];
    return type === undefined
      ? this.untyped(field.type, value, field.required, fieldPath)
      : value === null
        ? this.missing(field.required, fieldPath)
        : this.value(field.type, type, value, fieldPath);
  }

  /**
   * A value the record gives no type: absent, null, or made only of what has no type — a list with
   * no element to take a type from ([], [null], [[]]) or an object of such members ({}, {"x": null}).
   * A list or an object is one all the same and stays one (an empty list is not a null).
   */
  private untyped(column: IcebergType, value: unknown, required: boolean, path: string[]): unknown {
    if (Array.isArray(value) && column.type === 'list') {
      const elementPath = [...path, 'element'];
      return value.map((e) => this.untyped(column.element, e, column.elementRequired, elementPath));
    }
    if (isRow(value) && column.type === 'struct') {
      const out: Row = {};
      for (const f of column.fields)
        out[f.name] = this.untyped(f.type, value[f.name], f.required, [...path, f.name]);
      return out;
    }
    return this.missing(required, path);
  }

  private missing(required: boolean, path: string[]): null {
    if (!required) return null;
    if (this.policy === 'evolve') this.changes.push({ kind: 'make-optional', path });
    else
      throw new RecordRejectedError(
        'schema-violation',
        `${dotted(path)} is required and the record has none`,
      );
    return null;
  }

  private value(column: IcebergType, record: IcebergType, value: unknown, path: string[]): unknown {
    if (isPrimitive(column) && isPrimitive(record)) {
      const fit = fitPrimitive(column, record, value, dotted(path));
      if ('value' in fit) return fit.value;
      if (this.policy !== 'evolve') {
        throw new RecordRejectedError(
          'type-mismatch',
          `${dotted(path)}: value ${describeValue(value)} needs column type ${primitiveToString(fit.widen)} ` +
            `instead of ${primitiveToString(column)} (schema policy ${this.policy})`,
        );
      }
      this.changes.push({ kind: 'widen', path, type: fit.widen });
      return null;
    }
    if (column.type !== record.type) {
      const kind = (t: IcebergType) => (isPrimitive(t) ? primitiveToString(t) : t.type);
      throw new RecordRejectedError(
        'type-mismatch',
        `${dotted(path)}: a ${kind(record)} value does not fit column type ${kind(column)}`,
      );
    }
    if (column.type === 'struct') return this.struct(column, record as StructType, value as Row, path);
    if (column.type === 'list' && record.type === 'list') {
      const elementPath = [...path, 'element'];
      return (value as unknown[]).map((e) =>
        e == null
          ? this.missing(column.elementRequired, elementPath)
          : this.value(column.element, record.element, e, elementPath),
      );
    }
    if (column.type === 'map' && record.type === 'map') {
      const entries = value instanceof Map ? [...value] : (value as [unknown, unknown][]);
      const fitted = new Map<unknown, unknown>();
      for (const [k, v] of entries) {
        fitted.set(
          this.value(column.key, record.key, k, [...path, 'key']),
          v == null
            ? this.missing(column.valueRequired, [...path, 'value'])
            : this.value(column.value, record.value, v, [...path, 'value']),
        );
      }
      return fitted;
    }
    throw new Error(`${dotted(path)}: unexpected column type ${column.type}`);
  }
}

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function dotted(path: readonly string[]): string {
  return path.join('.');
}
