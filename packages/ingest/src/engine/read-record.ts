import type { TypedValue, ValueDecoder } from '../decode/decoded';
import type { KafkaRecord } from '../mapping/kafka-record';
import type { RecordMapper } from '../mapping/map-record';
import type { RawBatch } from './engine';

/**
 * One record decoded and mapped to the pipeline's columns the TypeScript way, as a typed value. The
 * portable engine reads every record so; both engines use it for what needs a record's own types:
 * the first schema of a new table, the schema change a record asks for, routing by a field.
 * Throws RecordRejectedError for a bad record.
 */
export type RecordReader = (record: KafkaRecord) => Promise<TypedValue>;

const TOMBSTONE: TypedValue = { type: { type: 'struct', fields: [] }, row: {} };

export function recordReader(decoder: ValueDecoder, mapper: RecordMapper): RecordReader {
  return async (record) =>
    mapper.map(record, record.value === null ? TOMBSTONE : await decoder.decode(record.value));
}

/** Record `index` of a batch with its topic and partition. */
export function recordOf(batch: RawBatch, index: number): KafkaRecord {
  return { topic: batch.topic, partition: batch.partition, ...batch.record(index) };
}
