import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import avro from 'avsc';

/**
 * Avro object container files (Avro spec "Object Container Files") for manifests and manifest
 * lists. Written here rather than through avsc's streams because avsc drops the `field-id` attributes
 * from the schema it writes into the header, and Iceberg readers resolve manifest fields by them.
 */

/** An Avro schema as JSON, custom attributes (field-id, element-id, logicalType) included. */
export type AvroSchema = string | { [key: string]: unknown } | AvroSchema[];

// Avro longs as bigint both ways: snapshot ids are random 63-bit values (ingest's Avro decoder uses it too).
export const bigintLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (v: unknown) => BigInt(v as string),
  toJSON: (n: bigint) => n.toString(),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

export function avroType(schema: AvroSchema): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { registry: { long: bigintLong } });
}

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
const METADATA = avro.Type.forSchema({ type: 'map', values: 'bytes' });
const COUNT = avro.Type.forSchema('long');

export interface AvroFile {
  schema: AvroSchema;
  /** Header metadata other than avro.schema and avro.codec. */
  metadata: Record<string, string>;
  records: unknown[];
}

/** One container file with every record in a single deflate block. */
export function writeAvroFile(
  schema: AvroSchema,
  records: readonly unknown[],
  metadata: Record<string, string>,
): Uint8Array {
  const type = avroType(schema);
  const meta: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(metadata)) meta[key] = Buffer.from(value, 'utf8');
  meta['avro.schema'] = Buffer.from(JSON.stringify(schema), 'utf8');
  meta['avro.codec'] = Buffer.from('deflate', 'utf8');
  const sync = randomBytes(16);
  const parts: Buffer[] = [MAGIC, METADATA.toBuffer(meta), sync];
  if (records.length > 0) {
    const body = deflateRawSync(Buffer.concat(records.map((r) => type.toBuffer(r))));
    parts.push(COUNT.toBuffer(records.length), COUNT.toBuffer(body.length), body, sync);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** Reads a container file written by any Iceberg implementation (codec null or deflate). */
export function readAvroFile(bytes: Uint8Array): AvroFile {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buf.subarray(0, 4).equals(MAGIC)) throw new Error('not an Avro container file (bad magic)');
  const header = METADATA.decode(buf, 4);
  if (header.offset < 0) throw new Error('truncated Avro header');
  const raw = header.value as Record<string, Buffer>;
  const schema = JSON.parse((raw['avro.schema'] ?? Buffer.from('null')).toString('utf8')) as AvroSchema;
  const codec = raw['avro.codec']?.toString('utf8') ?? 'null';
  if (codec !== 'null' && codec !== 'deflate') throw new Error(`unsupported Avro codec "${codec}"`);
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key !== 'avro.schema' && key !== 'avro.codec') metadata[key] = value.toString('utf8');
  }
  const type = avroType(schema);
  const records: unknown[] = [];
  let pos = header.offset + 16;
  while (pos < buf.length) {
    const count = COUNT.decode(buf, pos);
    const size = COUNT.decode(buf, count.offset);
    const start = size.offset;
    const block = buf.subarray(start, start + (size.value as number));
    const data = codec === 'deflate' ? inflateRawSync(block) : block;
    let at = 0;
    for (let i = 0; i < (count.value as number); i += 1) {
      const decoded = type.decode(data, at);
      if (decoded.offset < 0) throw new Error('truncated Avro block');
      records.push(decoded.value);
      at = decoded.offset;
    }
    pos = start + (size.value as number) + 16;
  }
  return { schema, metadata, records };
}
