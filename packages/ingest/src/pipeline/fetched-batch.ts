import type { Batch, KafkaMessage } from 'kafkajs';
import { type EngineName, listBatch, type RawBatch, type RawRecord } from '../engine/engine';
import { unpackFetched } from '../engine/packed-batch';
import { isFetchedRecordBatch } from '../kafka/wire-fetch';

/**
 * The batch's records from `position` on (a fetch that began before a seek, or inside a Kafka record
 * batch, may start earlier): record batches kept whole by the fetch (indexed by `engine`'s indexer),
 * or kafkajs's messages.
 */
export function fetchedBatch(
  batch: Batch,
  position: bigint | undefined,
  engine: EngineName = 'native',
): RawBatch {
  const messages = batch.messages as unknown[];
  const raw =
    messages.length > 0 && messages.every(isFetchedRecordBatch)
      ? unpackFetched(batch.topic, batch.partition, messages, engine)
      : listBatch(batch.topic, batch.partition, batch.messages.map(rawRecord));
  // kafkajs's Batch has the offset it fetched from, though its types do not say so.
  const fetched = BigInt((batch as Batch & { fetchedOffset: string }).fetchedOffset);
  return recordsFrom(raw, position === undefined || position < fetched ? fetched : position);
}

/** The batch's records at or after `offset`. */
export function recordsFrom(raw: RawBatch, offset: bigint): RawBatch {
  let first = 0;
  while (first < raw.length && raw.offset(first) < offset) first += 1;
  return first === 0 ? raw : raw.slice(first);
}

function rawRecord(m: KafkaMessage): RawRecord {
  return {
    offset: BigInt(m.offset),
    timestampMs: BigInt(m.timestamp),
    key: m.key,
    value: m.value,
    headers: headersOf(m),
  };
}

const NO_HEADERS: RawRecord['headers'] = Object.freeze([]) as RawRecord['headers'];

function headersOf(m: KafkaMessage): RawRecord['headers'] {
  if (m.headers === undefined) return NO_HEADERS;
  const headers: { key: string; value: Buffer | null }[] = [];
  for (const key in m.headers) {
    const value = m.headers[key];
    for (const v of Array.isArray(value) ? value : [value]) {
      headers.push({ key, value: v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v) });
    }
  }
  return headers.length === 0 ? NO_HEADERS : headers;
}
