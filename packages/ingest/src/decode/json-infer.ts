import {
  type IcebergType,
  isPrimitive,
  type NestedField,
  optional,
  type Row,
  required,
  type StructType,
  T,
} from '@floe/iceberg';
import {
  type JsonMap,
  JsonNumber,
  type JsonValue,
  jsonKind,
  jsonTextOf,
  parseJsonText,
} from '@floe/iceberg/json';
import { RecordRejectedError } from './decoded';
import { elementPath, memberPath, messageOf, rejectValue, typeLabel } from './reject';

/** A value with its Iceberg type, the value in spec/values.ts form. */
export interface Typed {
  type: IcebergType;
  value: unknown;
}

/**
 * The element type of a list that has no element to take a type from ([] or [null]). It lives only
 * while a record is typed: a sibling may give it a type ([[], ["x"]] is a list<list<string>>), and
 * whatever still has none when the record is typed is left out (withoutUntyped).
 */
const UNTYPED = Object.freeze({ type: 'untyped' }) as unknown as IcebergType;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const DECIMAL_38 = T.decimal(38, 0);
// Read once: under tsx every use of an imported binding is a getter call (these are per value).
const LONG = T.long;
const DOUBLE = T.double;
const BOOLEAN = T.boolean;
const STRING = T.string;
const LARGEST_DECIMAL_38 = 10n ** 38n - 1n;

/** A record value's JSON text; bytes that are not UTF-8 or not JSON reject the record ('invalid-json'). */
export function parseJsonRecord(bytes: Uint8Array): JsonValue {
  try {
    return parseJsonText(jsonTextOf(bytes));
  } catch (error) {
    throw new RecordRejectedError('invalid-json', messageOf(error));
  }
}

/**
 * The type of a JSON value by its form alone, as schemaless JSON has no other: an integer literal is
 * a long (a decimal(38,0) beyond 64 bits), a number with a fraction or exponent a double, an object a
 * struct of optional fields in member order, an array a list of its elements' common type. null has
 * no type (undefined): the field is left out, as is a list no element gives a type (see UNTYPED).
 */
export function inferValue(json: JsonValue, path: string): Typed | undefined {
  if (json === null) return undefined;
  if (typeof json === 'boolean') return { type: BOOLEAN, value: json };
  if (typeof json === 'string') return { type: STRING, value: json };
  if (json instanceof JsonNumber) return inferNumber(json, path);
  if (Array.isArray(json)) return inferList(json, path);
  return inferStruct(json, path);
}

export function inferStruct(object: JsonMap, path: string): { type: StructType; value: Row } {
  const fields: NestedField[] = [];
  const entries: [string, unknown][] = [];
  for (const [name, member] of object) {
    const typed = inferValue(member, memberPath(path, name));
    entries.push([name, typed === undefined ? null : typed.value]);
    if (typed !== undefined) fields.push(optional(name, typed.type));
  }
  // fromEntries, not assignment, so that a member named "__proto__" is a member like any other.
  return { type: T.struct(fields), value: Object.fromEntries(entries) };
}

/** Whether an integer fits a long (64 bits, signed). */
export function fitsLong(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

function inferNumber(number: JsonNumber, path: string): Typed {
  if (number.isIntegerLiteral) {
    const value = BigInt(number.text);
    if (fitsLong(value)) return { type: LONG, value };
    if (value >= -LARGEST_DECIMAL_38 && value <= LARGEST_DECIMAL_38) return { type: DECIMAL_38, value };
    return rejectValue('type-mismatch', path, number, DECIMAL_38, 'it has more than 38 digits');
  }
  const value = number.toDouble();
  if (!Number.isFinite(value))
    return rejectValue('type-mismatch', path, number, T.double, 'it is beyond its range');
  return { type: DOUBLE, value };
}

function inferList(items: readonly JsonValue[], path: string): Typed {
  return listOf(
    items.map((item, i) => inferValue(item, elementPath(path, i))),
    path,
  );
}

/** A list of typed elements (undefined for null): their common type, with every element in its form. */
export function listOf(
  elements: readonly (Typed | undefined)[],
  path: string,
  elementRequired = false,
): Typed {
  const present = elements.filter((e): e is Typed => e !== undefined);
  const common = unify(present, `${path}[]`);
  let next = 0;
  const value = elements.map((e) => (e === undefined ? null : common.values[next++]));
  return { type: T.list(common.type, elementRequired), value };
}

/**
 * The common type of values that go in one column (a list's elements), with each value converted to
 * it exactly: long and decimal(38,0) meet in decimal(38,0); integers and doubles meet in double only
 * when every integer is a double exactly; structs meet field by field (a field some lack is optional);
 * lists and maps meet element by element. Any other mix rejects the record ('type-mismatch').
 */
export function unify(items: readonly Typed[], path: string): { type: IcebergType; values: unknown[] } {
  if (items.length === 0) return { type: UNTYPED, values: [] };
  const first = (items[0] as Typed).type;
  const values = items.map((item) => item.value);
  if (items.every((item) => sameType(item.type, first))) return { type: first, values };
  if (items.every((item) => isNumber(item.type))) return unifyNumbers(items, path);
  if (items.every((item) => item.type.type === first.type)) {
    if (first.type === 'struct') return unifyStructs(items, path);
    if (first.type === 'list') return unifyLists(items, path);
    if (first.type === 'map') return unifyMaps(items, path);
  }
  const kinds = [...new Set(items.map((item) => typeLabel(item.type)))];
  const odd = items.find((item) => !sameType(item.type, first)) as Typed;
  return rejectValue(
    'type-mismatch',
    path,
    odd.value,
    odd.type,
    `the values here mix ${kinds.join(' and ')}`,
  );
}

function isNumber(type: IcebergType): boolean {
  return type.type === 'long' || type.type === 'double' || (type.type === 'decimal' && type.scale === 0);
}

function unifyNumbers(items: readonly Typed[], path: string): { type: IcebergType; values: unknown[] } {
  if (!items.some((item) => item.type.type === 'double')) {
    return { type: DECIMAL_38, values: items.map((item) => item.value) };
  }
  const values = items.map((item) => {
    if (typeof item.value === 'number') return item.value;
    const integer = item.value as bigint;
    const double = Number(integer);
    if (BigInt(double) !== integer) {
      rejectValue(
        'type-mismatch',
        path,
        integer,
        T.double,
        'it is among fractions, and a double does not hold it exactly',
      );
    }
    return double;
  });
  return { type: T.double, values };
}

function unifyStructs(items: readonly Typed[], path: string): { type: IcebergType; values: unknown[] } {
  const rows = items.map((item) => ({ ...(item.value as Row) }));
  const names = [...new Set(items.flatMap((item) => fieldsOf(item.type).map((f) => f.name)))];
  const fields = names.map((name) => {
    const holders = items.flatMap((item, index) => {
      const field = fieldsOf(item.type).find((f) => f.name === name);
      return field === undefined ? [] : [{ index, field, value: (item.value as Row)[name] }];
    });
    // Only values take part: a null has the type of whichever column it lands in.
    const valued = holders.filter((h) => h.value != null);
    let type = (holders[0] as { field: NestedField }).field.type;
    if (valued.length > 0) {
      const common = unify(
        valued.map((h) => ({ type: h.field.type, value: h.value })),
        memberPath(path, name),
      );
      valued.forEach((h, k) => {
        (rows[h.index] as Row)[name] = common.values[k];
      });
      type = common.type;
    }
    const everywhereRequired = holders.length === items.length && holders.every((h) => h.field.required);
    return (everywhereRequired ? required : optional)(name, type);
  });
  return { type: T.struct(fields), values: rows };
}

function unifyLists(items: readonly Typed[], path: string): { type: IcebergType; values: unknown[] } {
  const lists = items.map((item) => item.value as unknown[]);
  const elementTypes = items.map((item) => (item.type as { element: IcebergType }).element);
  const flat: Typed[] = [];
  lists.forEach((list, i) => {
    for (const value of list) if (value != null) flat.push({ type: elementTypes[i] as IcebergType, value });
  });
  const common = unify(flat, `${path}[]`);
  let next = 0;
  const values = lists.map((list) => list.map((value) => (value == null ? null : common.values[next++])));
  const elementRequired = items.every((item) => (item.type as { elementRequired: boolean }).elementRequired);
  return { type: T.list(common.type, elementRequired), values };
}

function unifyMaps(items: readonly Typed[], path: string): { type: IcebergType; values: unknown[] } {
  const maps = items.map((item) => item.value as Map<unknown, unknown>);
  const types = items.map(
    (item) => item.type as { key: IcebergType; value: IcebergType; valueRequired: boolean },
  );
  const flat: Typed[] = [];
  maps.forEach((map, i) => {
    for (const value of map.values()) {
      if (value != null) flat.push({ type: (types[i] as { value: IcebergType }).value, value });
    }
  });
  const common = unify(flat, `${path}{}`);
  let next = 0;
  const values = maps.map(
    (map) => new Map([...map].map(([key, value]) => [key, value == null ? null : common.values[next++]])),
  );
  const key = (types[0] as { key: IcebergType }).key;
  return {
    type: T.map(
      key,
      common.type,
      types.every((t) => t.valueRequired),
    ),
    values,
  };
}

function fieldsOf(type: IcebergType): readonly NestedField[] {
  return type.type === 'struct' ? type.fields : [];
}

/**
 * The type without what no value gave a type (UNTYPED, and structs left without fields, which
 * Parquet cannot store): undefined when nothing is left. A value outside the type is no column.
 */
export function withoutUntyped(type: IcebergType): IcebergType | undefined {
  if (type === UNTYPED) return undefined;
  switch (type.type) {
    case 'struct': {
      const fields = type.fields.flatMap((f) => {
        const kept = withoutUntyped(f.type);
        return kept === undefined ? [] : [kept === f.type ? f : { ...f, type: kept }];
      });
      if (fields.length === 0) return undefined;
      return fields.every((f, i) => f === type.fields[i]) && fields.length === type.fields.length
        ? type
        : T.struct(fields);
    }
    case 'list': {
      const element = withoutUntyped(type.element);
      return element === undefined ? undefined : element === type.element ? type : { ...type, element };
    }
    case 'map': {
      const value = withoutUntyped(type.value);
      return value === undefined ? undefined : value === type.value ? type : { ...type, value };
    }
    default:
      return type;
  }
}

/** Structural equality, ids aside (they are placeholders here). */
export function sameType(a: IcebergType, b: IcebergType): boolean {
  if (a === b) return true;
  if (isPrimitive(a) || isPrimitive(b)) {
    return isPrimitive(a) && isPrimitive(b) && typeLabel(a) === typeLabel(b);
  }
  if (a.type === 'struct' && b.type === 'struct') {
    return (
      a.fields.length === b.fields.length &&
      a.fields.every((f, i) => {
        const g = b.fields[i] as NestedField;
        return f.name === g.name && f.required === g.required && sameType(f.type, g.type);
      })
    );
  }
  if (a.type === 'list' && b.type === 'list') {
    return a.elementRequired === b.elementRequired && sameType(a.element, b.element);
  }
  if (a.type === 'map' && b.type === 'map') {
    return a.valueRequired === b.valueRequired && sameType(a.key, b.key) && sameType(a.value, b.value);
  }
  return false;
}

/** For messages: "a string", "an object", ... */
export function describeKind(json: JsonValue): string {
  const kind = jsonKind(json);
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}
