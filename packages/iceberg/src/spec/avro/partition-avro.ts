import type { PrimitiveType, StructType } from '../types';
import type { IcebergValue } from '../values';
import type { AvroSchema } from './container';

/** Bytes of the fixed type that holds any unscaled decimal of this precision (Avro spec: decimal on fixed). */
export function decimalRequiredBytes(precision: number): number {
  let bytes = 1;
  while (1n << BigInt(8 * bytes - 1) <= 10n ** BigInt(precision)) bytes += 1;
  return bytes;
}

/** Avro names allow [A-Za-z0-9_] only: other characters become _x<HEX>, as the Java reference does. */
export function avroName(name: string): string {
  let out = '';
  for (const [i, ch] of Array.from(name).entries()) {
    if (/[A-Za-z_]/.test(ch) || (i > 0 && /[0-9]/.test(ch))) out += ch;
    else if (i === 0 && /[0-9]/.test(ch)) out += `_${ch}`;
    else out += `_x${(ch.codePointAt(0) as number).toString(16).toUpperCase()}`;
  }
  return out;
}

function primitiveAvro(type: PrimitiveType, id: number): AvroSchema {
  switch (type.type) {
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'string':
      return type.type;
    case 'binary':
      return 'bytes';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'time':
      return { type: 'long', logicalType: 'time-micros' };
    case 'timestamp':
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': type.type === 'timestamptz' };
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return {
        type: 'long',
        logicalType: 'timestamp-nanos',
        'adjust-to-utc': type.type === 'timestamptz_ns',
      };
    case 'uuid':
      return { type: 'fixed', name: `uuid_fixed_${id}`, size: 16, logicalType: 'uuid' };
    case 'fixed':
      return { type: 'fixed', name: `fixed_${id}`, size: type.length };
    case 'decimal':
      return {
        type: 'fixed',
        name: `decimal_${id}`,
        size: decimalRequiredBytes(type.precision),
        logicalType: 'decimal',
        precision: type.precision,
        scale: type.scale,
      };
  }
}

/** The Avro record of a partition tuple: one optional field per partition field, with its field id. */
export function partitionAvroSchema(partition: StructType): AvroSchema {
  return {
    type: 'record',
    name: 'r102',
    fields: partition.fields.map((f) => ({
      name: avroName(f.name),
      type: ['null', primitiveAvro(f.type as PrimitiveType, f.id)],
      default: null,
      'field-id': f.id,
    })),
  } as AvroSchema;
}

/** A partition value as avsc writes it (decimals and uuids as fixed bytes, the rest as they are). */
function toAvroValue(type: PrimitiveType, value: IcebergValue): unknown {
  if (value === null) return null;
  if (type.type === 'decimal') {
    const size = decimalRequiredBytes(type.precision);
    let bits = BigInt.asUintN(8 * size, value as bigint);
    const out = Buffer.alloc(size);
    for (let i = size - 1; i >= 0; i -= 1) {
      out[i] = Number(bits & 0xffn);
      bits >>= 8n;
    }
    return out;
  }
  if (value instanceof Uint8Array) return Buffer.from(value);
  return value;
}

function fromAvroValue(type: PrimitiveType, value: unknown): IcebergValue {
  if (value === null || value === undefined) return null;
  if (type.type === 'decimal') {
    const bytes = value as Buffer;
    let bits = 0n;
    for (const b of bytes) bits = (bits << 8n) | BigInt(b);
    return BigInt.asIntN(8 * bytes.length, bits);
  }
  if (Buffer.isBuffer(value)) return new Uint8Array(value);
  return value as IcebergValue;
}

export function partitionToAvro(
  partition: StructType,
  values: readonly IcebergValue[],
): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  partition.fields.forEach((f, i) => {
    record[avroName(f.name)] = toAvroValue(f.type as PrimitiveType, values[i] ?? null);
  });
  return record;
}

/** Reads a partition record by field id, so files written with other names (or field orders) read right. */
export function partitionFromAvro(
  partition: StructType,
  writerSchema: { fields: { name: string; 'field-id'?: number }[] },
  record: Record<string, unknown>,
): IcebergValue[] {
  return partition.fields.map((f) => {
    const written = writerSchema.fields.find((w) => w['field-id'] === f.id);
    return written === undefined ? null : fromAvroValue(f.type as PrimitiveType, record[written.name]);
  });
}
