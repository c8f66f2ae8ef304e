import { type NestedField, optional, type Row, required, type StructType, T } from '@floe/iceberg';
import type { PipelineSpec } from '@floe/protocol';
import { RecordRejectedError, type TypedValue } from '../decode/decoded';
import type { KafkaRecord } from './kafka-record';
import { toTimestampMicros } from './timestamps';

export const KAFKA_COLUMN = '_kafka';

type Mapping = PipelineSpec['mapping'];
type KeyFormat = PipelineSpec['format']['key'];

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The pipeline's mapping of a decoded record to table columns: keep the selected fields, turn the
 * declared timestamp fields into timestamptz, rename, and add the Kafka metadata column
 * `_kafka` (topic, partition, offset, timestamp, key, headers) unless the pipeline opts out.
 * Field names in `select` and `timestamps` are the record's own; `rename` applies last.
 */
export class RecordMapper {
  /** The type of `_kafka`. */
  readonly kafkaType: StructType;

  constructor(
    private readonly mapping: Mapping,
    private readonly keyFormat: KeyFormat,
  ) {
    this.kafkaType = kafkaMetadataType(keyFormat);
  }

  map(record: KafkaRecord, decoded: TypedValue): TypedValue {
    let fields = decoded.type.fields;
    const row: Row = { ...decoded.row };
    if (this.mapping.select !== undefined) {
      const keep = new Set(this.mapping.select);
      fields = fields.filter((f) => keep.has(f.name));
    }
    for (const { field, format } of this.mapping.timestamps) {
      const at = fields.findIndex((f) => f.name === field);
      const value = row[field];
      if (at < 0 || value == null) continue;
      row[field] = toTimestampMicros(value, (fields[at] as NestedField).type, format, field);
      fields = fields.map((f, i) => (i === at ? { ...f, type: T.timestamptz } : f));
    }
    const out: Row = {};
    const renamed = fields.map((f) => {
      const name = this.mapping.rename[f.name] ?? f.name;
      out[name] = row[f.name] ?? null;
      return { ...f, name };
    });
    // Lists and objects made only of what has no type ([], {"x": null}) have no field in the type but
    // are values all the same: the fitter keeps them lists and objects when the table has the column.
    for (const [name, value] of Object.entries(row)) {
      const to = this.mapping.rename[name] ?? name;
      if (value === null || typeof value !== 'object' || to in out) continue;
      if (this.mapping.select !== undefined && !this.mapping.select.includes(name)) continue;
      out[to] = value;
    }
    if (this.mapping.kafkaMetadata) {
      if (renamed.some((f) => f.name === KAFKA_COLUMN)) {
        throw new RecordRejectedError(
          'mapping-failed',
          `the record has a field named ${KAFKA_COLUMN}, which holds Kafka metadata: rename it or turn the metadata column off`,
        );
      }
      renamed.push(optional(KAFKA_COLUMN, this.kafkaType));
      out[KAFKA_COLUMN] = this.kafkaRow(record);
    }
    const names = new Set<string>();
    for (const f of renamed) {
      if (names.has(f.name))
        throw new RecordRejectedError('mapping-failed', `two fields are renamed to ${f.name}`);
      names.add(f.name);
    }
    return {
      type: T.struct(renamed),
      row: out,
      ...(decoded.schemaId !== undefined && { schemaId: decoded.schemaId }),
    };
  }

  /** The record's `_kafka` value; throws RecordRejectedError for a key the key format cannot read. */
  kafkaRow(record: KafkaRecord): Row {
    return {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestampMs * 1000n,
      ...(this.keyFormat !== 'none' && { key: this.key(record.key) }),
      headers: record.headers.map((h) => ({ key: h.key, value: h.value })),
    };
  }

  private key(key: Buffer | null): string | Uint8Array | null {
    if (key === null) return null;
    if (this.keyFormat === 'avro') return new Uint8Array(key);
    try {
      return utf8.decode(key);
    } catch {
      throw new RecordRejectedError(
        'undecodable',
        `the key is not UTF-8 text (key format ${this.keyFormat})`,
      );
    }
  }
}

/** `_kafka`: where each row came from. Keys in Avro stay bytes; string and JSON keys are text. */
function kafkaMetadataType(keyFormat: KeyFormat): StructType {
  const fields: NestedField[] = [
    required('topic', T.string),
    required('partition', T.int),
    required('offset', T.long),
    required('timestamp', T.timestamptz),
  ];
  if (keyFormat !== 'none') fields.push(optional('key', keyFormat === 'avro' ? T.binary : T.string));
  fields.push(
    optional('headers', T.list(T.struct([required('key', T.string), optional('value', T.binary)]), true)),
  );
  return T.struct(fields);
}
