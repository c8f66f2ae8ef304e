import {
  Schema as ArrowSchema,
  Binary,
  Bool,
  type DataType,
  DateDay,
  Decimal,
  Field,
  FixedSizeBinary,
  Float32,
  Float64,
  Int32,
  Int64,
  List,
  Map_,
  Struct,
  TimeMicrosecond,
  Timestamp,
  TimeUnit,
  Utf8,
} from 'apache-arrow';
import type { Schema } from '../spec/schema';
import type { IcebergType, NestedField } from '../spec/types';

/** The Arrow field metadata key that parquet-rs turns into the Parquet field id, which Iceberg reads by. */
export const FIELD_ID_KEY = 'PARQUET:field_id';

function field(name: string, id: number, type: IcebergType, nullable: boolean): Field {
  return new Field(name, arrowType(type), nullable, new Map([[FIELD_ID_KEY, String(id)]]));
}

/** The Arrow type Floe writes for an Iceberg type; nested children carry their field ids too. */
export function arrowType(type: IcebergType): DataType {
  switch (type.type) {
    case 'boolean':
      return new Bool();
    case 'int':
      return new Int32();
    case 'long':
      return new Int64();
    case 'float':
      return new Float32();
    case 'double':
      return new Float64();
    case 'decimal':
      return new Decimal(type.scale, type.precision, 128);
    case 'date':
      return new DateDay();
    case 'time':
      return new TimeMicrosecond();
    case 'timestamp':
      return new Timestamp(TimeUnit.MICROSECOND);
    case 'timestamptz':
      return new Timestamp(TimeUnit.MICROSECOND, 'UTC');
    case 'timestamp_ns':
      return new Timestamp(TimeUnit.NANOSECOND);
    case 'timestamptz_ns':
      return new Timestamp(TimeUnit.NANOSECOND, 'UTC');
    case 'string':
      return new Utf8();
    case 'uuid':
      return new FixedSizeBinary(16);
    case 'fixed':
      return new FixedSizeBinary(type.length);
    case 'binary':
      return new Binary();
    case 'struct':
      return new Struct(type.fields.map(structField));
    case 'list':
      // pyiceberg and Java name statistics by Parquet path, where a list's child is "element".
      return new List(field('element', type.elementId, type.element, !type.elementRequired));
    case 'map': {
      const entries = new Struct([
        field('key', type.keyId, type.key, false),
        field('value', type.valueId, type.value, !type.valueRequired),
      ]);
      const map = new Map_(new Field('entries', entries, false));
      // arrow-js forces the name "entries"; Iceberg readers expect Parquet's "key_value".
      map.children[0] = new Field('key_value', entries, false);
      return map;
    }
  }
}

function structField(f: NestedField): Field {
  return field(f.name, f.id, f.type, !f.required);
}

/** The Arrow schema of data files for an Iceberg schema (take it from the catalog's answer: ids may be reassigned). */
export function arrowSchema(schema: Schema): ArrowSchema {
  return new ArrowSchema(schema.fields.map(structField));
}
