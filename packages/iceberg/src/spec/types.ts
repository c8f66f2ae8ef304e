import type { Json } from '../util/json';

/**
 * Iceberg data types (spec: "Schemas and Data Types"), as plain data. Field ids live on the nested
 * fields, list elements and map keys/values, exactly where the spec puts them.
 */

export type PrimitiveTypeName =
  | 'boolean'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'timestamp_ns'
  | 'timestamptz_ns'
  | 'string'
  | 'uuid'
  | 'binary';

export interface SimpleType {
  readonly type: PrimitiveTypeName;
}

export interface DecimalType {
  readonly type: 'decimal';
  readonly precision: number;
  readonly scale: number;
}

export interface FixedType {
  readonly type: 'fixed';
  readonly length: number;
}

export type PrimitiveType = SimpleType | DecimalType | FixedType;

export interface NestedField {
  readonly id: number;
  readonly name: string;
  readonly required: boolean;
  readonly type: IcebergType;
  readonly doc?: string;
  /** v3 default values, kept as their JSON single-value form (spec Appendix D) so they survive a round trip. */
  readonly initialDefault?: Json;
  readonly writeDefault?: Json;
}

export interface StructType {
  readonly type: 'struct';
  readonly fields: readonly NestedField[];
}

export interface ListType {
  readonly type: 'list';
  readonly elementId: number;
  readonly element: IcebergType;
  readonly elementRequired: boolean;
}

export interface MapType {
  readonly type: 'map';
  readonly keyId: number;
  readonly key: IcebergType;
  readonly valueId: number;
  readonly value: IcebergType;
  readonly valueRequired: boolean;
}

export type NestedType = StructType | ListType | MapType;
export type IcebergType = PrimitiveType | NestedType;

/** The highest precision a decimal may have (spec: precision must be 38 or less). */
export const MAX_DECIMAL_PRECISION = 38;

const simple = (type: PrimitiveTypeName): SimpleType => Object.freeze({ type });

/** Type constructors. Nested ids start at 0: `newSchema` or `assignFreshIds` gives them real ids. */
export const T = {
  boolean: simple('boolean'),
  int: simple('int'),
  long: simple('long'),
  float: simple('float'),
  double: simple('double'),
  date: simple('date'),
  time: simple('time'),
  timestamp: simple('timestamp'),
  timestamptz: simple('timestamptz'),
  timestampNs: simple('timestamp_ns'),
  timestamptzNs: simple('timestamptz_ns'),
  string: simple('string'),
  uuid: simple('uuid'),
  binary: simple('binary'),
  decimal(precision: number, scale: number): DecimalType {
    if (!Number.isInteger(precision) || precision < 1 || precision > MAX_DECIMAL_PRECISION) {
      throw new RangeError(`decimal precision must be 1..${MAX_DECIMAL_PRECISION}, got ${precision}`);
    }
    if (!Number.isInteger(scale) || scale < 0 || scale > precision) {
      throw new RangeError(`decimal scale must be 0..precision (${precision}), got ${scale}`);
    }
    return { type: 'decimal', precision, scale };
  },
  fixed(length: number): FixedType {
    if (!Number.isInteger(length) || length < 1)
      throw new RangeError(`fixed length must be >= 1, got ${length}`);
    return { type: 'fixed', length };
  },
  struct(fields: readonly NestedField[]): StructType {
    return { type: 'struct', fields };
  },
  list(element: IcebergType, elementRequired = false): ListType {
    return { type: 'list', elementId: 0, element, elementRequired };
  },
  map(key: IcebergType, value: IcebergType, valueRequired = false): MapType {
    return { type: 'map', keyId: 0, key, valueId: 0, value, valueRequired };
  },
} as const;

/** A required field whose id is assigned later (by `newSchema` or a schema update). */
export function required(name: string, type: IcebergType, doc?: string): NestedField {
  return doc === undefined
    ? { id: 0, name, required: true, type }
    : { id: 0, name, required: true, type, doc };
}

/** An optional field whose id is assigned later (by `newSchema` or a schema update). */
export function optional(name: string, type: IcebergType, doc?: string): NestedField {
  return doc === undefined
    ? { id: 0, name, required: false, type }
    : { id: 0, name, required: false, type, doc };
}

export function isPrimitive(type: IcebergType): type is PrimitiveType {
  return type.type !== 'struct' && type.type !== 'list' && type.type !== 'map';
}

/** The spec's string form of a primitive type: "decimal(9,2)", "fixed[16]", "long", ... */
export function primitiveToString(type: PrimitiveType): string {
  switch (type.type) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'fixed':
      return `fixed[${type.length}]`;
    default:
      return type.type;
  }
}

const SIMPLE_NAMES: ReadonlySet<string> = new Set<PrimitiveTypeName>([
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'timestamp_ns',
  'timestamptz_ns',
  'string',
  'uuid',
  'binary',
]);
const DECIMAL_RE = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;
const FIXED_RE = /^fixed\[\s*(\d+)\s*\]$/;

/** Parses a primitive type string; the spec allows "decimal(9, 2)" with a space too. */
export function parsePrimitive(text: string): PrimitiveType {
  if (SIMPLE_NAMES.has(text)) return simple(text as PrimitiveTypeName);
  const decimal = DECIMAL_RE.exec(text);
  if (decimal) return T.decimal(Number(decimal[1]), Number(decimal[2]));
  const fixed = FIXED_RE.exec(text);
  if (fixed) return T.fixed(Number(fixed[1]));
  throw new Error(`unknown Iceberg primitive type "${text}"`);
}

export function primitivesEqual(a: PrimitiveType, b: PrimitiveType): boolean {
  return primitiveToString(a) === primitiveToString(b);
}
