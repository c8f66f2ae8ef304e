import {
  type IcebergType,
  optional,
  type PrimitiveType,
  type Row,
  required,
  type StructType,
  T,
} from '@floe/iceberg';
import protobuf from 'protobufjs';
import { RecordRejectedError, withSequentialIds } from './decoded';
import type { RegisteredSchema } from './registry';
import type { PayloadReader, SchemaFormat } from './registry-decoder';
import { memberPath, messageOf, rejectValue, unmappableSchema } from './reject';
import { readMessageIndexes } from './wire-format';

/**
 * Protobuf values by their writer's schema: the registry's .proto text (with the files it imports,
 * from the registry's references, or protobufjs's bundled well-known types), the message the
 * message-index path names, decoded with protobufjs. Fields keep their .proto names.
 *
 * Mapping: int32/sint32/sfixed32 → int; uint32/fixed32 → long (an int cannot hold 2^31 and up);
 * int64/sint64/sfixed64 → long; uint64/fixed64 → decimal(20,0), since Iceberg has no unsigned long and
 * 2^64-1 has 20 digits; float, double, bool, string, bytes → float, double, boolean, string, binary;
 * enum → string (the value's name); message → struct; google.protobuf.Timestamp → timestamptz;
 * repeated → list; map<K,V> → map. Presence follows protobuf: a field without presence (a proto3
 * scalar, not `optional`) that the payload leaves out reads as its default (0, "", false, the first
 * enum value), exactly as every protobuf reader gives it, and its column is required; a field with
 * presence (`optional`, a oneof member, a message) reads as null when absent and is optional.
 */
export const protobufFormat: SchemaFormat = {
  schemaType: 'PROTOBUF',
  compile: compileProtobuf,
};

const PARSE_OPTIONS = { keepCase: true };
const TIMESTAMP = '.google.protobuf.Timestamp';
// google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
const MIN_SECONDS = -62_135_596_800n;
const MAX_SECONDS = 253_402_300_799n;

type Long = protobuf.Long;
const toBigInt = (value: unknown): bigint =>
  typeof value === 'number' ? BigInt(value) : BigInt((value as Long).toString());
const same = (value: unknown) => value;

/** Scalar types: the Iceberg type and the reader of protobufjs's value. */
const SCALARS: Record<string, { type: PrimitiveType; read: (value: unknown) => unknown }> = {
  double: { type: T.double, read: same },
  float: { type: T.float, read: same },
  int32: { type: T.int, read: same },
  sint32: { type: T.int, read: same },
  sfixed32: { type: T.int, read: same },
  uint32: { type: T.long, read: toBigInt },
  fixed32: { type: T.long, read: toBigInt },
  int64: { type: T.long, read: toBigInt },
  sint64: { type: T.long, read: toBigInt },
  sfixed64: { type: T.long, read: toBigInt },
  uint64: { type: T.decimal(20, 0), read: toBigInt },
  fixed64: { type: T.decimal(20, 0), read: toBigInt },
  bool: { type: T.boolean, read: same },
  string: { type: T.string, read: same },
  bytes: { type: T.binary, read: (value) => Uint8Array.from(value as Uint8Array) },
};

const LONG_KEYS = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

function compileProtobuf(schema: RegisteredSchema): PayloadReader {
  const root = new protobuf.Root();
  let messages: protobuf.Type[];
  try {
    const parsed = protobuf.parse(schema.schema, root, PARSE_OPTIONS);
    // The file's own top-level messages, in order, before its imports add theirs to a shared package.
    messages = messagesIn(parsed.package === undefined ? root : root.lookup(parsed.package));
    const imports = [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])];
    for (const ref of schema.references) {
      const file = protobuf.parse(ref.schema, root, PARSE_OPTIONS);
      imports.push(...(file.imports ?? []), ...(file.weakImports ?? []));
    }
    // Imports the registry has no schema for are the well-known types (Confluent does not register them).
    const given = new Set(schema.references.map((r) => r.name));
    for (const name of new Set(imports)) {
      const bundled = given.has(name) ? null : protobuf.common.get(name);
      if (bundled !== null) root.addJSON(bundled.nested ?? {});
    }
    root.resolveAll();
  } catch (error) {
    throw new RecordRejectedError(
      'undecodable',
      `Protobuf schema ${schema.id} does not parse: ${messageOf(error)}`,
    );
  }
  const readers = new Map<string, ReturnType<typeof messageReader>>();
  return (payload) => {
    const { indexes, payload: body } = readMessageIndexes(payload);
    const key = indexes.join('.');
    let read = readers.get(key);
    if (read === undefined) {
      read = messageReader(schema.id, messageAt(schema.id, messages, indexes));
      readers.set(key, read);
    }
    return read(body);
  };
}

function messagesIn(scope: protobuf.ReflectionObject | null): protobuf.Type[] {
  if (!(scope instanceof protobuf.Namespace)) return [];
  return scope.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
}

/** The message a message-index path names: [1, 0] is the first message nested in the file's second. */
function messageAt(schemaId: number, topLevel: protobuf.Type[], indexes: readonly number[]): protobuf.Type {
  let candidates = topLevel;
  let message: protobuf.Type | undefined;
  for (const index of indexes) {
    message = candidates[index];
    if (message === undefined) {
      throw new RecordRejectedError(
        'undecodable',
        `Protobuf schema ${schemaId} has no message at index path [${indexes.join(', ')}]`,
      );
    }
    candidates = messagesIn(message);
  }
  return message as protobuf.Type;
}

function messageReader(schemaId: number, message: protobuf.Type) {
  const root = new ProtobufMapper(schemaId).message(message, '');
  const type = withSequentialIds(root.type as StructType);
  return (body: Buffer): { type: StructType; row: Row } => {
    let decoded: protobuf.Message;
    try {
      decoded = message.decode(body);
    } catch (error) {
      // protobufjs throws ProtocolError for a proto2 required field the payload leaves out.
      const reason = error instanceof protobuf.util.ProtocolError ? 'schema-violation' : 'undecodable';
      throw new RecordRejectedError(
        reason,
        `the payload is not a ${message.fullName.slice(1)} of Protobuf schema ${schemaId}: ${messageOf(error)}`,
      );
    }
    return { type, row: root.read(decoded) as Row };
  };
}

/** How one protobuf field or element is read into Iceberg: its type, whether it can be null, the reader. */
interface Column {
  type: IcebergType;
  optional: boolean;
  read(value: unknown): unknown;
}

class ProtobufMapper {
  // Messages being mapped: one that contains itself has no (finite) Iceberg type.
  private readonly open = new Set<protobuf.Type>();

  constructor(private readonly schemaId: number) {}

  message(message: protobuf.Type, path: string): Column {
    if (message.fullName === TIMESTAMP) return this.timestamp(path);
    if (this.open.has(message)) {
      unmappableSchema('Protobuf', this.schemaId, path, `message ${message.name} contains itself`);
    }
    this.open.add(message);
    const fields = message.fieldsArray.map((field) => this.field(field, memberPath(path, field.name)));
    this.open.delete(message);
    return {
      type: T.struct(fields.map((f) => (f.optional ? optional : required)(f.name, f.type))),
      optional: true,
      read: (value) => {
        const decoded = value as Record<string, unknown>;
        return Object.fromEntries(fields.map((f) => [f.name, f.read(decoded)]));
      },
    };
  }

  /** A field's column; its reader takes the whole message, since presence is a matter of the message. */
  private field(field: protobuf.Field, path: string): Column & { name: string } {
    const { name } = field;
    if (field instanceof protobuf.MapField) {
      const key = this.scalar(field.keyType, path);
      const value = this.value(field, `${path}{}`);
      const keyOf = mapKeyReader(field.keyType, key.read);
      return {
        name,
        type: T.map(key.type, value.type, true),
        optional: false,
        read: (message) => {
          const entries = Object.entries((message as Record<string, object>)[name] as object);
          return new Map(entries.map(([k, v]) => [keyOf(k), value.read(v)]));
        },
      };
    }
    const element = this.value(field, field.repeated ? `${path}[]` : path);
    if (field.repeated) {
      return {
        name,
        type: T.list(element.type, true),
        optional: false,
        read: (message) => ((message as Record<string, unknown[]>)[name] as unknown[]).map(element.read),
      };
    }
    if (field.resolvedType instanceof protobuf.Type) {
      // An absent message reads as null (protobufjs's default for it): the column is optional.
      const own = (message: unknown) => (message as Record<string, unknown>)[name] ?? null;
      return { name, ...element, optional: !field.required, read: (m) => nullOr(own(m), element.read) };
    }
    if (field.hasPresence) {
      const present = (message: unknown) =>
        Object.hasOwn(message as object, name) ? (message as Row)[name] : null;
      return { name, ...element, optional: !field.required, read: (m) => nullOr(present(m), element.read) };
    }
    // No presence: an absent field is its default, which protobufjs keeps on the message's prototype.
    return { name, ...element, optional: false, read: (m) => element.read((m as Row)[name]) };
  }

  /** The column of one value of the field: a scalar, an enum's name, or a message. */
  private value(field: protobuf.FieldBase, path: string): Column {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) return this.message(resolved, path);
    if (resolved instanceof protobuf.Enum) {
      const names = resolved.valuesById;
      return {
        type: T.string,
        optional: false,
        read: (value) =>
          names[value as number] ??
          rejectValue(
            'schema-violation',
            path,
            value,
            `enum ${resolved.name}`,
            'the schema has no such value',
          ),
      };
    }
    return this.scalar(field.type, path);
  }

  private scalar(type: string, path: string): Column {
    const scalar = SCALARS[type];
    if (scalar === undefined) unmappableSchema('Protobuf', this.schemaId, path, `unknown type ${type}`);
    return { type: scalar.type, optional: false, read: scalar.read };
  }

  /** google.protobuf.Timestamp as timestamptz: refused when the nanoseconds are finer than a microsecond. */
  private timestamp(path: string): Column {
    return {
      type: T.timestamptz,
      optional: true,
      read: (value) => {
        const message = value as { seconds: Long | number; nanos: number };
        const seconds = toBigInt(message.seconds);
        const { nanos } = message;
        const shown = `${seconds}s ${nanos}ns`;
        if (seconds < MIN_SECONDS || seconds > MAX_SECONDS || nanos < 0 || nanos > 999_999_999) {
          rejectValue('type-mismatch', path, shown, T.timestamptz, 'it is outside google.protobuf.Timestamp');
        }
        if (nanos % 1000 !== 0) {
          rejectValue(
            'type-mismatch',
            path,
            shown,
            T.timestamptz,
            'timestamptz holds microseconds, not nanoseconds',
          );
        }
        return seconds * 1_000_000n + BigInt(nanos / 1000);
      },
    };
  }
}

/** protobufjs keys a map by text: 64-bit keys by an 8-character hash of their bits, others by their text. */
function mapKeyReader(keyType: string, read: (value: unknown) => unknown): (key: string) => unknown {
  if (LONG_KEYS.has(keyType)) {
    const unsigned = keyType === 'uint64' || keyType === 'fixed64';
    // An entry without a key has the default key 0, which protobufjs writes as "0", not as a hash.
    return (key) => (key.length === 8 ? toBigInt(protobuf.util.longFromHash(key, unsigned)) : BigInt(key));
  }
  if (keyType === 'bool') return (key) => key === 'true';
  if (keyType === 'string') return same as (key: string) => unknown;
  return (key) => read(Number(key));
}

function nullOr(value: unknown, read: (value: unknown) => unknown): unknown {
  return value === null ? null : read(value);
}
