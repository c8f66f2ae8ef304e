/** A consumed Kafka record, as the consumer hands it on (client-neutral; offsets and timestamps exact). */
export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: bigint;
  /** Milliseconds from the epoch (CreateTime or LogAppendTime, as the topic says). */
  timestampMs: bigint;
  key: Buffer | null;
  /** null: a tombstone. */
  value: Buffer | null;
  /** In the order they were produced; a key may repeat. */
  headers: readonly { key: string; value: Buffer | null }[];
}

/** The record's bytes as Kafka counts them, near enough for buffer sizing and throughput figures. */
export function recordSize(record: Pick<KafkaRecord, 'key' | 'value' | 'headers'>): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const h of record.headers) size += h.key.length + (h.value?.length ?? 0);
  return size;
}
