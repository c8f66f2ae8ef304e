import type { Row } from '@floe/iceberg';
import { RecordRejectedError, type TypedValue, type ValueDecoder } from '../decode/decoded';
import type { TableWriterConfig, TakeResult } from '../engine/engine';
import { fitRecord } from '../fit/fit-record';
import type { KafkaRecord } from '../mapping/kafka-record';
import { RecordMapper } from '../mapping/map-record';

// What each engine does with one record, for tests that compare the native engine with the
// TypeScript path record by record.

export type Outcome = { held: true } | { change: true } | { reason: string; message: string };

const TOMBSTONE: TypedValue = { type: { type: 'struct', fields: [] }, row: {} };

/** The TypeScript path for one record: decode (the decoder's size limit first), map, fit. */
export async function tsRecord(
  decoder: ValueDecoder,
  config: TableWriterConfig,
  record: KafkaRecord,
): Promise<{ outcome: Outcome; row?: Row }> {
  const mapper = new RecordMapper(config.mapping, config.keyFormat);
  try {
    const decoded = record.value === null ? TOMBSTONE : await decoder.decode(record.value);
    const mapped = mapper.map(record, decoded);
    const fit = fitRecord({ type: 'struct', fields: config.schema.fields }, mapped, config.policy);
    if ('changes' in fit) return { outcome: { change: true } };
    return { outcome: { held: true }, row: fit.row };
  } catch (error) {
    if (!(error instanceof RecordRejectedError)) throw error;
    return { outcome: { reason: error.reason, message: error.message } };
  }
}

/** What a writer's take of a one-record batch did with it. */
export function takeOutcome(took: TakeResult): Outcome {
  const rejected = took.rejected[0];
  if (took.needsSchemaChange) return { change: true };
  return rejected === undefined ? { held: true } : { reason: rejected.reason, message: rejected.message };
}
