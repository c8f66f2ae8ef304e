import { assignFreshTypeIds, type Row, type StructType } from '@floe/iceberg';

/**
 * Why a record went to the dead-letter destination. The code is stable (dashboards and DLQ
 * consumers match on it); the message says which field, value and type.
 */
export type DeadLetterReason =
  | 'invalid-json'
  | 'bad-magic-byte'
  | 'unknown-schema-id'
  | 'undecodable'
  | 'type-mismatch'
  | 'schema-violation'
  | 'oversize'
  | 'mapping-failed'
  /** Upsert and CDC: a record whose key cannot be read. */
  | 'missing-key'
  /** CDC: a value that is not a change event Floe reads. */
  | 'bad-change';

/** A record that cannot be decoded or fitted: it goes to the dead letters, never half into the table. */
export class RecordRejectedError extends Error {
  override name = 'RecordRejectedError';
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A decoded record value, typed: `type` is the Iceberg struct the writer's schema maps to (field ids
 * are placeholders, matched to the table by name), and `row` holds values in spec/values.ts form for
 * that type (bigint for long, unscaled bigint for decimal, µs bigint for timestamps, ...).
 */
export interface TypedValue {
  type: StructType;
  row: Row;
  /** The registry schema id the record named, for reports. */
  schemaId?: number;
}

/** Decodes a Kafka record's value bytes. Throws RecordRejectedError for a bad record, anything else for an outage. */
export interface ValueDecoder {
  decode(value: Buffer): Promise<TypedValue>;
}

/** The struct with ids 1, 2, 3, ... in field order: decoders' ids are placeholders, the table matches by name. */
export function withSequentialIds(type: StructType): StructType {
  let id = 0;
  return assignFreshTypeIds(type, () => ++id) as StructType;
}
