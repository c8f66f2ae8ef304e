import {
  bigintLong,
  decimalFromBytes,
  type IcebergType,
  MAX_DECIMAL_PRECISION,
  optional,
  type PrimitiveType,
  type Row,
  required,
  type StructType,
  T,
  uuidToBytes,
} from '@floe/iceberg';
import avro from 'avsc';
import { RecordRejectedError, withSequentialIds } from './decoded';
import type { RegisteredSchema } from './registry';
import type { PayloadReader, SchemaFormat } from './registry-decoder';
import { memberPath, messageOf, rejectValue, unmappableSchema } from './reject';

/**
 * Avro values by their writer's schema (the registry id in the header). Mapping: record → struct,
 * ["null", X] → optional X, enum → string, fixed(L) → fixed(L), bytes → binary, map → map<string, V>,
 * array → list, and the logical types to their Iceberg types (decimal, uuid, date, time, timestamps,
 * local timestamps, nanosecond timestamps). A union of two or more non-null types has no Iceberg
 * type: such a schema is refused when it is mapped, so each of its records is rejected as
 * 'undecodable' with the field named, rather than half-written through some invented struct.
 * Unknown or invalid logical types read as their underlying type, as the Avro spec says.
 */
export const avroFormat: SchemaFormat = {
  schemaType: 'AVRO',
  compile: compileAvro,
};

/** How a logical type's underlying value becomes an Iceberg value; or why it has no Iceberg type. */
type LogicalMapping =
  | { type: PrimitiveType; convert: (value: unknown, path: string) => unknown }
  | { unmappable: string };

const same = (value: unknown) => value;
const copyBytes = (value: unknown) => new Uint8Array(value as Buffer);

/** Temporal logical types: the underlying type, the Iceberg type, and the factor to its unit (µs, or ns). */
const TEMPORAL: Record<string, { base: 'int' | 'long'; type: PrimitiveType; factor?: bigint }> = {
  date: { base: 'int', type: T.date },
  'time-millis': { base: 'int', type: T.time, factor: 1000n },
  'time-micros': { base: 'long', type: T.time },
  'timestamp-millis': { base: 'long', type: T.timestamptz, factor: 1000n },
  'timestamp-micros': { base: 'long', type: T.timestamptz },
  'timestamp-nanos': { base: 'long', type: T.timestamptzNs },
  'local-timestamp-millis': { base: 'long', type: T.timestamp, factor: 1000n },
  'local-timestamp-micros': { base: 'long', type: T.timestamp },
  'local-timestamp-nanos': { base: 'long', type: T.timestampNs },
};

function logicalMapping(schema: Record<string, unknown>): LogicalMapping | undefined {
  const { type: base, logicalType } = schema;
  if (logicalType === 'decimal') return decimalMapping(schema);
  if (logicalType === 'uuid') {
    if (base === 'string') return { type: T.uuid, convert: uuidFromText };
    if (base === 'fixed' && schema.size === 16) return { type: T.uuid, convert: copyBytes };
    return undefined;
  }
  const temporal = TEMPORAL[logicalType as string];
  if (temporal === undefined || temporal.base !== base) return undefined;
  const { factor } = temporal;
  return {
    type: temporal.type,
    convert: factor === undefined ? same : (value) => BigInt(value as number | bigint) * factor,
  };
}

function uuidFromText(value: unknown, path: string): Uint8Array {
  try {
    return uuidToBytes(value as string);
  } catch {
    return rejectValue('type-mismatch', path, value, T.uuid, 'it is not a UUID');
  }
}

/** Decimal on bytes or fixed; invalid precision or scale (per the Avro spec) leaves the underlying type. */
function decimalMapping(schema: Record<string, unknown>): LogicalMapping | undefined {
  const { precision, scale = 0, type: base, size } = schema;
  if (!Number.isInteger(precision) || !Number.isInteger(scale)) return undefined;
  const [p, s] = [precision as number, scale as number];
  if (p < 1 || s < 0 || s > p) return undefined;
  if (base === 'fixed') {
    // The most digits a two's-complement number of `size` bytes always holds.
    const maxDigits = Math.floor(Math.log10(2) * (8 * (size as number) - 1));
    if (p > maxDigits) return undefined;
  } else if (base !== 'bytes') {
    return undefined;
  }
  if (p > MAX_DECIMAL_PRECISION) {
    return {
      unmappable: `decimal(${p},${s}) has more digits than Iceberg's decimal(${MAX_DECIMAL_PRECISION})`,
    };
  }
  const type = T.decimal(p, s);
  const limit = 10n ** BigInt(p);
  return {
    type,
    convert: (value, path) => {
      const unscaled = decimalFromBytes(value as Buffer);
      if (unscaled >= limit || unscaled <= -limit) {
        rejectValue('type-mismatch', path, unscaled, type, `the unscaled value has more than ${p} digits`);
      }
      return unscaled;
    },
  };
}

/** A logical type Floe maps; the conversion happens in the column reader, where the field's path is known. */
class MappedLogicalType extends avro.types.LogicalType {
  constructor(
    schema: avro.Schema,
    opts: unknown,
    readonly mapping: LogicalMapping,
  ) {
    super(schema, opts);
  }

  protected override _fromValue(value: unknown): unknown {
    return value;
  }

  protected override _toValue(value: unknown): unknown {
    return value;
  }

  protected override _resolve(): undefined {
    return undefined;
  }
}

// Logical types whose underlying type is being made (avsc asks the hook again for the same schema).
const underway = new WeakSet<object>();

/** avsc's hook for every schema node: our logical types, and bigint for every long. */
function typeHook(schema: avro.Schema, opts: unknown): avro.Type | undefined {
  if (typeof schema === 'object' && schema !== null && !Array.isArray(schema) && !underway.has(schema)) {
    const mapping = logicalMapping(schema as Record<string, unknown>);
    if (mapping !== undefined) {
      underway.add(schema);
      try {
        return new MappedLogicalType(schema, opts, mapping);
      } finally {
        underway.delete(schema);
      }
    }
  }
  const base = typeof schema === 'string' ? schema : (schema as { type?: unknown }).type;
  return base === 'long' ? bigintLong : undefined;
}

/** How one Avro type is read into Iceberg: its type, whether null is a value of it, and the value reader. */
interface Column {
  type: IcebergType;
  optional: boolean;
  read(value: unknown): unknown;
}

function compileAvro(schema: RegisteredSchema): PayloadReader {
  // One registry for the references and the schema: the schema names the types they define.
  const opts = { wrapUnions: 'auto' as const, omitRecordMethods: true, registry: {}, typeHook };
  let writer: avro.Type;
  try {
    for (const ref of schema.references) avro.Type.forSchema(JSON.parse(ref.schema), opts);
    writer = avro.Type.forSchema(JSON.parse(schema.schema), opts);
  } catch (error) {
    throw new RecordRejectedError(
      'undecodable',
      `Avro schema ${schema.id} does not parse: ${messageOf(error)}`,
    );
  }
  const mapper = new AvroMapper(schema.id);
  if (writer.typeName !== 'record')
    mapper.unmappable('', `a ${writer.typeName} is not a record, so it is no row`);
  const root = mapper.column(writer, '');
  const type = withSequentialIds(root.type as StructType);
  return (payload) => {
    let raw: unknown;
    try {
      raw = writer.fromBuffer(payload);
    } catch (error) {
      throw new RecordRejectedError(
        'undecodable',
        `the payload is not a record of Avro schema ${schema.id}: ${messageOf(error)}`,
      );
    }
    mapper.replacementSeen = false;
    const row = root.read(raw) as Row;
    // avsc turns bytes that are not UTF-8 into U+FFFD; a string that has one is checked against the payload.
    if (mapper.replacementSeen && !writer.toBuffer(raw).equals(payload)) {
      throw new RecordRejectedError('undecodable', `a string of Avro schema ${schema.id} is not UTF-8`);
    }
    return { type, row };
  };
}

class AvroMapper {
  replacementSeen = false;
  // Records being mapped: one that contains itself has no (finite) Iceberg type.
  private readonly open = new Set<avro.Type>();

  constructor(private readonly schemaId: number) {}

  unmappable(path: string, why: string): never {
    return unmappableSchema('Avro', this.schemaId, path, why);
  }

  column(type: avro.Type, path: string): Column {
    if (type instanceof MappedLogicalType) {
      const { mapping } = type;
      if ('unmappable' in mapping) return this.unmappable(path, mapping.unmappable);
      return { type: mapping.type, optional: false, read: (value) => mapping.convert(value, path) };
    }
    switch (type.typeName) {
      case 'boolean':
        return primitive(T.boolean, same);
      case 'int':
        return primitive(T.int, same);
      case 'abstract:long':
        return primitive(T.long, same);
      case 'float':
        return primitive(T.float, same);
      case 'double':
        return primitive(T.double, same);
      case 'string':
        return primitive(T.string, (value) => this.checked(value as string));
      case 'enum':
        return primitive(T.string, same);
      case 'bytes':
        return primitive(T.binary, copyBytes);
      case 'fixed':
        return primitive(T.fixed((type as avro.types.FixedType).size), copyBytes);
      case 'record':
      case 'error':
        return this.record(type as avro.types.RecordType, path);
      case 'array':
        return this.array(type as avro.types.ArrayType, path);
      case 'map':
        return this.map(type as avro.types.MapType, path);
      case 'union:unwrapped':
      case 'union:wrapped':
        return this.union(type as avro.types.UnwrappedUnionType, path);
      default:
        return this.unmappable(path, `an Avro ${type.typeName} has no Iceberg type`);
    }
  }

  private record(type: avro.types.RecordType, path: string): Column {
    if (this.open.has(type)) return this.unmappable(path, `record ${type.name} contains itself`);
    this.open.add(type);
    const fields = type.fields.map((f) => ({
      name: f.name,
      column: this.column(f.type, memberPath(path, f.name)),
    }));
    this.open.delete(type);
    const docs = new Map(type.fields.map((f) => [f.name, (f as { doc?: string }).doc]));
    return {
      type: T.struct(
        fields.map(({ name, column }) =>
          (column.optional ? optional : required)(name, column.type, docs.get(name)),
        ),
      ),
      optional: false,
      read: (value) => {
        const record = value as Row;
        return Object.fromEntries(fields.map(({ name, column }) => [name, column.read(record[name])]));
      },
    };
  }

  private array(type: avro.types.ArrayType, path: string): Column {
    const element = this.column(type.itemsType, `${path}[]`);
    return {
      type: T.list(element.type, !element.optional),
      optional: false,
      read: (value) => (value as unknown[]).map((item) => element.read(item)),
    };
  }

  private map(type: avro.types.MapType, path: string): Column {
    const values = this.column(type.valuesType as avro.Type, `${path}{}`);
    return {
      type: T.map(T.string, values.type, !values.optional),
      optional: false,
      read: (value) =>
        new Map(Object.entries(value as Row).map(([key, v]) => [this.checked(key), values.read(v)])),
    };
  }

  /** ["null", X] is an optional X, [X] is X; a union of two or more non-null types has no Iceberg type. */
  private union(type: avro.types.UnwrappedUnionType, path: string): Column {
    const branches = type.types.filter((t) => t.typeName !== 'null');
    if (branches.length !== 1) {
      const names = type.types.map((t) => (t as { branchName?: string }).branchName ?? t.typeName);
      return this.unmappable(path, `a union of ${names.join(', ')} has no Iceberg type (only [null, X] has)`);
    }
    const inner = this.column(branches[0] as avro.Type, path);
    if (branches.length === type.types.length) return inner;
    return { type: inner.type, optional: true, read: (value) => (value === null ? null : inner.read(value)) };
  }

  private checked(text: string): string {
    if (text.includes('\uFFFD')) this.replacementSeen = true;
    return text;
  }
}

function primitive(type: PrimitiveType, read: (value: unknown) => unknown): Column {
  return { type, optional: false, read };
}
