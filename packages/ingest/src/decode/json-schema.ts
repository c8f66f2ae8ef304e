import {
  type IcebergType,
  type NestedField,
  optional,
  type Row,
  required,
  type StructType,
  T,
  uuidToBytes,
} from '@floe/iceberg';
import { isJsonObject, type JsonMap, JsonNumber, type JsonValue, parseJsonText } from '@floe/iceberg/json';
import { parseIso8601 } from '../mapping/timestamps';
import { RecordRejectedError, withSequentialIds } from './decoded';
import {
  describeKind,
  fitsLong,
  inferValue,
  listOf,
  parseJsonRecord,
  type Typed,
  unify,
  withoutUntyped,
} from './json-infer';
import type { RegisteredSchema } from './registry';
import type { PayloadReader, SchemaFormat } from './registry-decoder';
import { elementPath, memberPath, messageOf, rejectValue, unmappableSchema } from './reject';

/**
 * JSON values by their writer's JSON Schema (the registry id in the header), read without loss.
 * Mapping: object with properties → struct (a member in `required` whose type excludes null is a
 * required field, others optional), object with only additionalProperties → map<string, V>, array
 * → list, integer → long, number → double, boolean, string → string, or by its format: date-time →
 * timestamptz, date → date, uuid → uuid. ["X", "null"] and anyOf/oneOf of X and null make X nullable.
 * Where the schema leaves a type open (no type, `true`, no `items`), and for members the schema allows
 * without naming them (additionalProperties not false), values are typed as schemaless JSON types them,
 * so nothing the producer sent is dropped: the pipeline's schema policy decides about new columns.
 *
 * Checked: JSON kinds, integers (whole, 64-bit), `required`, `additionalProperties: false`, string
 * `enum`, and the three formats. Not checked: minimum/maximum, lengths, pattern and the other
 * validation-only keywords, which change no type.
 */
export const jsonSchemaFormat: SchemaFormat = {
  schemaType: 'JSON',
  compile: compileJsonSchema,
};

/** How a schema reads a non-null value; `type` is what the schema declares, undefined where it is open. */
interface Column {
  type: IcebergType | undefined;
  nullable: boolean;
  read(json: Exclude<JsonValue, null>, path: string): Typed | undefined;
}

const DAY_MS = 86_400_000;

const OPEN: Column = { type: undefined, nullable: true, read: (json, path) => inferValue(json, path) };

function compileJsonSchema(schema: RegisteredSchema): PayloadReader {
  const documents = new Map<string, JsonValue>();
  let main: JsonValue;
  try {
    main = parseJsonText(schema.schema);
    for (const ref of schema.references) documents.set(ref.name, parseJsonText(ref.schema));
  } catch (error) {
    throw new RecordRejectedError(
      'undecodable',
      `JSON schema ${schema.id} does not parse: ${messageOf(error)}`,
    );
  }
  const compiler = new JsonSchemaCompiler(schema.id, documents);
  const root = compiler.column(main, main, '');
  if (root.type?.type !== 'struct')
    compiler.unmappable('', 'the schema is not of an object, so it is no row');
  return (payload) => {
    const typed = readValue(root, parseJsonRecord(payload), '');
    if (typed === undefined)
      throw new RecordRejectedError('schema-violation', 'the value is null, which is no row');
    const type = (withoutUntyped(typed.type) as StructType | undefined) ?? T.struct([]);
    return { type: withSequentialIds(type), row: typed.value as Row };
  };
}

/** A value where `column` is: null only where the schema allows it (then no type of its own). */
function readValue(column: Column, json: JsonValue, path: string): Typed | undefined {
  if (json !== null) return column.read(json, path);
  if (column.nullable) return undefined;
  return rejectValue(
    'type-mismatch',
    path,
    null,
    column.type as IcebergType,
    'the schema does not allow null',
  );
}

function withNullable(column: Column, nullable: boolean): Column {
  return column.nullable === nullable
    ? column
    : { type: column.type, nullable, read: (json, path) => column.read(json, path) };
}

function wrongKind(path: string, json: JsonValue, type: IcebergType | string, expected: string): never {
  return rejectValue('type-mismatch', path, json, type, `it is ${describeKind(json)}, not ${expected}`);
}

class JsonSchemaCompiler {
  // Schemas being compiled: one that contains itself (through $ref) has no (finite) Iceberg type.
  private readonly open = new Set<JsonValue>();

  constructor(
    private readonly schemaId: number,
    private readonly documents: ReadonlyMap<string, JsonValue>,
  ) {}

  unmappable(path: string, why: string): never {
    return unmappableSchema('JSON', this.schemaId, path, why);
  }

  /** The column of a schema node; `document` is the schema it is in, for its local $refs. */
  column(node: JsonValue, document: JsonValue, path: string): Column {
    if (node === true) return OPEN;
    if (!isJsonObject(node)) return this.unmappable(path, 'a schema here must be an object or true');
    const ref = node.get('$ref');
    if (typeof ref === 'string') return this.referenced(ref, document, path);
    for (const keyword of ['allOf', 'not', 'if']) {
      if (node.has(keyword)) this.unmappable(path, `${keyword} has no Iceberg type`);
    }
    const union = node.get('anyOf') ?? node.get('oneOf');
    if (union !== undefined) return this.nullableUnion(union, document, path);
    const { kind, nullable } = this.kind(node, path);
    return withNullable(this.kindColumn(kind, node, document, path), nullable);
  }

  private referenced(ref: string, document: JsonValue, path: string): Column {
    const hash = ref.indexOf('#');
    const name = hash < 0 ? ref : ref.slice(0, hash);
    const pointer = hash < 0 ? '' : ref.slice(hash + 1);
    const target = name === '' ? document : this.documents.get(name);
    if (target === undefined) this.unmappable(path, `$ref ${ref} names no schema the registry references`);
    const node = resolvePointer(target, pointer);
    if (node === undefined) return this.unmappable(path, `$ref ${ref} points at nothing`);
    if (this.open.has(node)) return this.unmappable(path, `$ref ${ref} contains itself`);
    this.open.add(node);
    try {
      return this.column(node, target, path);
    } finally {
      this.open.delete(node);
    }
  }

  /** anyOf/oneOf of a schema and {"type": "null"}: that schema, nullable. Other unions have no Iceberg type. */
  private nullableUnion(union: JsonValue, document: JsonValue, path: string): Column {
    const branches = Array.isArray(union) ? union : [];
    const isNull = (b: JsonValue) => isJsonObject(b) && b.get('type') === 'null';
    const others = branches.filter((b) => !isNull(b));
    if (others.length !== 1) return this.unmappable(path, 'a union of several types has no Iceberg type');
    return withNullable(this.column(others[0] as JsonValue, document, path), others.length < branches.length);
  }

  /** The one JSON type a node declares (by `type`, or by its keywords), and whether null is allowed too. */
  private kind(node: JsonMap, path: string): { kind: string; nullable: boolean } {
    const declared = node.get('type');
    let kinds: JsonValue[];
    if (declared === undefined) {
      if (node.has('properties') || node.has('additionalProperties')) kinds = ['object'];
      else if (node.has('items')) kinds = ['array'];
      else if (
        Array.isArray(node.get('enum')) &&
        (node.get('enum') as JsonValue[]).every((v) => typeof v === 'string')
      ) {
        kinds = ['string'];
      } else kinds = ['open'];
    } else {
      kinds = Array.isArray(declared) ? declared : [declared];
    }
    const nullable = kinds.includes('null') || declared === undefined;
    let rest = kinds.filter((k) => k !== 'null');
    // Every integer is a number: integer-or-number is a number.
    if (rest.length === 2 && rest.includes('integer') && rest.includes('number')) rest = ['number'];
    if (rest.length !== 1 || typeof rest[0] !== 'string') {
      return this.unmappable(path, `type ${kinds.map(String).join(' or ')} has no Iceberg type`);
    }
    return { kind: rest[0], nullable };
  }

  private kindColumn(kind: string, node: JsonMap, document: JsonValue, path: string): Column {
    switch (kind) {
      case 'open':
        return OPEN;
      case 'object':
        return this.object(node, document, path);
      case 'array':
        return this.array(node, document, path);
      case 'string':
        return stringColumn(node);
      case 'integer':
        return { type: T.long, nullable: false, read: readInteger };
      case 'number':
        return { type: T.double, nullable: false, read: readNumber };
      case 'boolean':
        return {
          type: T.boolean,
          nullable: false,
          read: (json, at) =>
            typeof json === 'boolean'
              ? { type: T.boolean, value: json }
              : wrongKind(at, json, T.boolean, 'a boolean'),
        };
      default:
        return this.unmappable(path, `type ${kind} has no Iceberg type`);
    }
  }

  private object(node: JsonMap, document: JsonValue, path: string): Column {
    const properties = node.get('properties');
    const additional = node.get('additionalProperties');
    if (properties === undefined && isJsonObject(additional) && additional.size > 0) {
      return this.map(this.column(additional, document, `${path}{}`));
    }
    const requiredNames = new Set(asArray(node.get('required')).filter((n) => typeof n === 'string'));
    const fields = [...(isJsonObject(properties) ? properties : [])].map(([name, schema]) => {
      const column = this.column(schema, document, memberPath(path, name));
      return { name, column, required: requiredNames.has(name) };
    });
    const extras: Column | 'refused' =
      additional === false
        ? 'refused'
        : additional === undefined
          ? OPEN
          : this.column(additional, document, `${path}{}`);
    return new StructColumn(fields, extras);
  }

  private map(values: Column): Column {
    const declared = values.type === undefined ? undefined : T.map(T.string, values.type, !values.nullable);
    return {
      type: declared,
      nullable: false,
      read: (json, at) => {
        if (!isJsonObject(json)) return wrongKind(at, json, 'map', 'an object');
        const entries = [...json].map(
          ([key, value]) => [key, readValue(values, value, memberPath(at, key))] as const,
        );
        const present = entries.flatMap(([, typed]) => (typed === undefined ? [] : [typed]));
        const common = unify(present, `${at}{}`);
        let next = 0;
        const value = new Map(
          entries.map(([key, typed]) => [key, typed === undefined ? null : common.values[next++]]),
        );
        // Values give the type; without any, the schema's type is the map's.
        if (present.length === 0 && declared !== undefined) return { type: declared, value };
        return { type: T.map(T.string, common.type, declared?.valueRequired ?? false), value };
      },
    };
  }

  private array(node: JsonMap, document: JsonValue, path: string): Column {
    const items = node.get('items');
    if (node.has('prefixItems') || Array.isArray(items)) this.unmappable(path, 'a tuple has no Iceberg type');
    const element = items === undefined ? OPEN : this.column(items, document, `${path}[]`);
    const elementRequired = element.type !== undefined && !element.nullable;
    const declared = element.type === undefined ? undefined : T.list(element.type, elementRequired);
    return {
      type: declared,
      nullable: false,
      read: (json, at) => {
        if (!Array.isArray(json)) return wrongKind(at, json, 'list', 'an array');
        const elements = json.map((item, i) => readValue(element, item, elementPath(at, i)));
        // Elements give the type; without any, the schema's type is the list's.
        if (declared !== undefined && elements.every((e) => e === undefined)) {
          return { type: declared, value: elements.map(() => null) };
        }
        return listOf(elements, at, elementRequired);
      },
    };
  }
}

/** An object's struct: the schema's properties in its order, then the members it allows without naming. */
class StructColumn implements Column {
  readonly type: StructType;
  readonly nullable = false;
  private readonly named: ReadonlySet<string>;

  constructor(
    private readonly fields: readonly { name: string; column: Column; required: boolean }[],
    private readonly extras: Column | 'refused',
  ) {
    this.named = new Set(fields.map((f) => f.name));
    this.type = T.struct(
      fields.flatMap((f) => (f.column.type === undefined ? [] : [this.field(f.name, f.column.type, f)])),
    );
  }

  read(json: Exclude<JsonValue, null>, path: string): Typed {
    if (!isJsonObject(json)) return wrongKind(path, json, 'struct', 'an object');
    const fields: NestedField[] = [];
    const entries: [string, unknown][] = [];
    const add = (
      name: string,
      typed: Typed | undefined,
      type: IcebergType | undefined,
      spec?: { required: boolean; column: Column },
    ) => {
      entries.push([name, typed === undefined ? null : typed.value]);
      const fieldType = typed?.type ?? type;
      if (fieldType !== undefined) fields.push(this.field(name, fieldType, spec));
    };
    for (const f of this.fields) {
      const member = json.get(f.name);
      const at = memberPath(path, f.name);
      if (member === undefined && f.required) {
        throw new RecordRejectedError(
          'schema-violation',
          `${at}: the schema requires it, and the value has none`,
        );
      }
      add(f.name, member === undefined ? undefined : readValue(f.column, member, at), f.column.type, f);
    }
    for (const [name, member] of json) {
      if (this.named.has(name)) continue;
      const at = memberPath(path, name);
      if (this.extras === 'refused') {
        throw new RecordRejectedError(
          'schema-violation',
          `${at}: the schema names no such member and allows no others (additionalProperties is false)`,
        );
      }
      add(name, readValue(this.extras, member, at), this.extras.type);
    }
    return { type: T.struct(fields), value: Object.fromEntries(entries) };
  }

  /** Required only where the schema requires the member and its type excludes null. */
  private field(name: string, type: IcebergType, spec?: { required: boolean; column: Column }): NestedField {
    return (spec?.required && !spec.column.nullable ? required : optional)(name, type);
  }
}

function stringColumn(node: JsonMap): Column {
  const allowed = asArray(node.get('enum'));
  const check = (text: string, path: string, type: IcebergType) => {
    if (allowed.length > 0 && !allowed.includes(text)) {
      rejectValue('schema-violation', path, text, type, "it is not one of the schema's enum values");
    }
  };
  const format = node.get('format');
  const [type, convert] = STRING_FORMATS.get(format as string) ?? PLAIN_STRING;
  return {
    type,
    nullable: false,
    read: (json, path) => {
      if (typeof json !== 'string') return wrongKind(path, json, type, 'a string');
      check(json, path, type);
      const value = convert(json);
      if (value === null) rejectValue('type-mismatch', path, json, type, `it is not a ${format} text`);
      return { type, value };
    },
  };
}

type StringFormat = readonly [IcebergType, (text: string) => unknown];

const PLAIN_STRING: StringFormat = [T.string, (text) => text];

/** String formats with an Iceberg type of their own; each conversion gives null for a text that is not one. */
const STRING_FORMATS = new Map<string, StringFormat>([
  // Microseconds from the epoch; a zone is required and no digit beyond the microsecond may be lost.
  ['date-time', [T.timestamptz, parseIso8601]],
  ['date', [T.date, parseDate]],
  [
    'uuid',
    [
      T.uuid,
      (text) => {
        try {
          return uuidToBytes(text);
        } catch {
          return null;
        }
      },
    ],
  ],
]);

/** Days from 1970-01-01 of a YYYY-MM-DD date, or null. */
function parseDate(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) return null;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, keeps years 0-99 as they are.
  date.setUTCFullYear(year, month - 1, day);
  const valid =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return valid ? date.getTime() / DAY_MS : null;
}

/** An integer, exactly: 12, or 12.0 and 1.2e1, which are the same number; never 12.5 or beyond 64 bits. */
function readInteger(json: Exclude<JsonValue, null>, path: string): Typed {
  if (!(json instanceof JsonNumber)) return wrongKind(path, json, T.long, 'a number');
  if (json.hasFraction) return rejectValue('type-mismatch', path, json, T.long, 'it is not a whole number');
  const value = json.integerValue();
  if (value === undefined || !fitsLong(value)) {
    return rejectValue('type-mismatch', path, json, T.long, 'it is outside the 64-bit range');
  }
  return { type: T.long, value };
}

/** A double: the nearest one to a fraction, as any JSON reader gives it; an integer only when exact. */
function readNumber(json: Exclude<JsonValue, null>, path: string): Typed {
  if (!(json instanceof JsonNumber)) return wrongKind(path, json, T.double, 'a number');
  const value = json.toDouble();
  if (!Number.isFinite(value))
    return rejectValue('type-mismatch', path, json, T.double, 'it is beyond its range');
  if (json.isIntegerLiteral && BigInt(value) !== BigInt(json.text)) {
    return rejectValue('type-mismatch', path, json, T.double, 'a double does not hold this integer exactly');
  }
  return { type: T.double, value };
}

function resolvePointer(document: JsonValue, pointer: string): JsonValue | undefined {
  if (pointer === '') return document;
  if (!pointer.startsWith('/')) return undefined;
  let node: JsonValue | undefined = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (isJsonObject(node)) node = node.get(token);
    else if (Array.isArray(node)) node = node[Number(token)];
    else return undefined;
  }
  return node;
}

function asArray(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}
