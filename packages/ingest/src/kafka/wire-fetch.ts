import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';

/**
 * Fetched records left as Kafka wrote them, for the native engine. kafkajs decodes every fetched record
 * into an object (offsets and timestamps through Long and strings, a Buffer per key and value, a header
 * object): that alone costs more CPU than the native engine's decoding and Parquet writing together.
 * For consumers started inside `keepRecordBatches`, a fetch response (version 11, what kafkajs uses
 * with every broker since Kafka 2.3) is decoded here instead: one message per Kafka record batch, whose
 * `offset` is the batch's last offset and whose records stay in place, decompressed with kafkajs's own
 * codecs. kafkajs's consumer reads a message's offset, control flag, key (abort markers) and batch
 * context (producer id, transactional): a whole record batch answers each of these as its records
 * would, since transactions, control records and fetch positions all work at batch granularity. Every
 * other consumer, and every other fetch version, is decoded by kafkajs as usual.
 */

const require = createRequire(import.meta.url);

interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readString(): string;
  readBytes(size: number): Buffer;
  canReadBytes(size: number): boolean;
  readArray<T>(read: (d: KafkajsDecoder) => T): T[];
}
type FetchResponse = { decode(raw: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown> };
type FetchProtocol = (args: unknown) => { response: FetchResponse };
const fetchRequests = require('kafkajs/src/protocol/requests/fetch') as {
  protocol: (v: { version: number }) => FetchProtocol;
};
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => KafkajsDecoder;
const decodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages') as (
  decoder: KafkajsDecoder,
) => Promise<unknown[]>;
const { parse: parseV1 } = require('kafkajs/src/protocol/requests/fetch/v1/response') as FetchResponse;
const { lookupCodecByAttributes } = require('kafkajs/src/protocol/message/compression') as {
  lookupCodecByAttributes(attributes: number): { decompress(b: Buffer): Promise<Buffer> } | null;
};

/** One Kafka record batch (message format v2), its records in place, as kafkajs's consumer sees it. */
export interface FetchedRecordBatch {
  /** The batch's last offset: where kafkajs resumes fetching and what its filters compare. */
  offset: string;
  /** A control batch's control record key (an abort or commit marker), else null. */
  key: Buffer | null;
  isControlRecord: boolean;
  magicByte: 2;
  batchContext: { producerId: string; inTransaction: boolean };
  /** The records section, decompressed: `count` records of the v2 record format. */
  records: Buffer;
  count: number;
  baseOffset: bigint;
  baseTimestamp: bigint;
  /** The broker's append time when the topic uses log-append time, else -1. */
  appendTime: bigint;
}

export function isFetchedRecordBatch(message: unknown): message is FetchedRecordBatch {
  return typeof message === 'object' && message !== null && 'records' in message && 'baseOffset' in message;
}

const MAGIC_OFFSET = 16;
const HEADER_SIZE = 61;
const COMPRESSION_MASK = 0x07;
const LOG_APPEND_TIME_FLAG = 0x08;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;

/** A zigzag varint at `pos`: its value and the position after it. */
function varint(buf: Buffer, pos: number): [number, number] {
  let raw = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++] as number;
    raw += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
    if (shift > 28) throw new Error('a control record with a varint beyond 32 bits');
  }
  return [raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2, pos];
}

/** The key of a control batch's record (version and type: abort 0, commit 1). */
function controlKey(records: Buffer): Buffer | null {
  let pos = varint(records, 0)[1] + 1; // length, attributes
  pos = varint(records, pos)[1]; // timestamp delta
  pos = varint(records, pos)[1]; // offset delta
  const [length, at] = varint(records, pos);
  return length < 0 ? null : records.subarray(at, at + length);
}

/** The record batches of one partition's records field, as kafkajs's decodeMessages reads it. */
async function decodeRecordBatches(decoder: KafkajsDecoder): Promise<unknown[]> {
  const at = decoder.offset;
  if (decoder.canReadBytes(4 + MAGIC_OFFSET + 1) && decoder.buffer.readInt8(at + 4 + MAGIC_OFFSET) !== 2) {
    return decodeMessages(decoder); // an old message format: kafkajs's decoding
  }
  const size = decoder.readInt32();
  if (size <= 0 || !decoder.canReadBytes(size)) return [];
  const buf = decoder.readBytes(size);
  const batches: FetchedRecordBatch[] = [];
  // A fetch may end in a partial batch (maxBytes): it is fetched again whole.
  for (let pos = 0; pos + HEADER_SIZE <= buf.length; ) {
    const end = pos + 12 + buf.readInt32BE(pos + 8);
    if (end > buf.length) break;
    const attributes = buf.readInt16BE(pos + 21);
    const baseOffset = buf.readBigInt64BE(pos);
    const section = buf.subarray(pos + HEADER_SIZE, end);
    const codec = attributes & COMPRESSION_MASK ? lookupCodecByAttributes(attributes) : null;
    const records = codec === null ? section : await codec.decompress(section);
    const isControlRecord = (attributes & CONTROL_FLAG) !== 0;
    batches.push({
      offset: (baseOffset + BigInt(buf.readInt32BE(pos + 23))).toString(),
      key: isControlRecord ? controlKey(records) : null,
      isControlRecord,
      magicByte: 2,
      batchContext: {
        producerId: buf.readBigInt64BE(pos + 43).toString(),
        inTransaction: (attributes & TRANSACTIONAL_FLAG) !== 0,
      },
      records,
      count: buf.readInt32BE(pos + 57),
      baseOffset,
      baseTimestamp: buf.readBigInt64BE(pos + 27),
      appendTime: attributes & LOG_APPEND_TIME_FLAG ? buf.readBigInt64BE(pos + 35) : -1n,
    });
    pos = end;
  }
  return batches;
}

/** Fetch response version 11, as kafkajs's v11 response decodes it, but for the records field. */
const responseV11: FetchResponse = {
  async decode(raw) {
    const decoder = new Decoder(raw);
    const clientSideThrottleTime = decoder.readInt32();
    const errorCode = decoder.readInt16();
    const sessionId = decoder.readInt32();
    const responses = [];
    for (let t = decoder.readInt32(); t > 0; t -= 1) {
      const topicName = decoder.readString();
      const partitions = [];
      for (let p = decoder.readInt32(); p > 0; p -= 1) {
        partitions.push({
          partition: decoder.readInt32(),
          errorCode: decoder.readInt16(),
          highWatermark: decoder.readInt64().toString(),
          lastStableOffset: decoder.readInt64().toString(),
          lastStartOffset: decoder.readInt64().toString(),
          abortedTransactions: decoder.readArray((d) => ({
            producerId: d.readInt64().toString(),
            firstOffset: d.readInt64().toString(),
          })),
          preferredReadReplica: decoder.readInt32(),
          messages: await decodeRecordBatches(decoder),
        });
      }
      responses.push({ topicName, partitions });
    }
    return { throttleTime: 0, clientSideThrottleTime, errorCode, sessionId, responses };
  },
  parse: parseV1,
};

const keeping = new AsyncLocalStorage<true>();
const INSTALLED = Symbol.for('floe.wire-fetch');

/** Fetch requests built inside `keepRecordBatches` get the response decoder above. */
function install(): void {
  const target = fetchRequests as typeof fetchRequests & { [INSTALLED]?: true };
  if (target[INSTALLED]) return;
  target[INSTALLED] = true;
  const protocol = target.protocol;
  target.protocol = ({ version }) => {
    const build = protocol({ version });
    if (version !== 11) return build;
    return (args) => {
      const request = build(args);
      return keeping.getStore() ? { ...request, response: responseV11 } : request;
    };
  };
}

/**
 * Runs `start` (a consumer's `run`) so that the consumer's fetches keep their record batches whole:
 * its batches' messages are then FetchedRecordBatch values (PackedBatch reads them), or ordinary
 * kafkajs messages where a broker answers in an older format.
 */
export function keepRecordBatches<T>(start: () => T): T {
  install();
  return keeping.run(true, start);
}
