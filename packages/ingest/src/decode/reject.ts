import { type IcebergType, isPrimitive, primitiveToString } from '@floe/iceberg';
import { JsonNumber } from '@floe/iceberg/json';
import { describeValue } from '../fit/convert-primitive';
import { type DeadLetterReason, RecordRejectedError } from './decoded';

/** An Iceberg type as messages show it: "decimal(9,2)", "long", "struct", "list", "map". */
export function typeLabel(type: IcebergType): string {
  return isPrimitive(type) ? primitiveToString(type) : type.type;
}

/** A field path for messages: "order.lines[2].sku"; the empty path is the value itself. */
function fieldName(path: string): string {
  return path === '' ? 'the value' : path;
}

export function memberPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

export function elementPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/**
 * Rejects a record over one value, naming the field, the value (abbreviated) and its type:
 * "order.id: 1.5 is not a valid long: it is not a whole number".
 */
export function rejectValue(
  reason: DeadLetterReason,
  path: string,
  value: unknown,
  type: IcebergType | string,
  why: string,
): never {
  const label = typeof type === 'string' ? type : typeLabel(type);
  throw new RecordRejectedError(reason, `${fieldName(path)}: ${show(value)} is not a valid ${label}: ${why}`);
}

function show(value: unknown): string {
  if (value instanceof JsonNumber) {
    return value.text.length > 40 ? `${value.text.slice(0, 37)}...` : value.text;
  }
  if (Array.isArray(value)) return 'an array';
  // Objects (a JSON Map, a struct row) are named, not printed: they may be large and hold bigints.
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) return 'an object';
  return describeValue(value);
}

/**
 * A writer's schema with no Iceberg form: no record written with it can be decoded into a row, so each
 * is rejected ('undecodable'), naming the schema and the field.
 */
export function unmappableSchema(format: string, schemaId: number, path: string, why: string): never {
  throw new RecordRejectedError(
    'undecodable',
    `${format} schema ${schemaId} has no Iceberg form: ${fieldName(path)}: ${why}`,
  );
}

/** An error's message, for a rejection that passes on why a library refused the bytes. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
