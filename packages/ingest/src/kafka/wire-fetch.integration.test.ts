import { randomBytes } from 'node:crypto';
import { type Batch, CompressionTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineName, RawBatch, RawRecord } from '../engine/engine';
import { nativeEngineStatus } from '../engine/native-module';
import { unpackFetched } from '../engine/packed-batch';
import { createKafka } from './client';
import { NativeSource, nativeConsumerRefusal } from './native-source';
import { isFetchedRecordBatch, keepRecordBatches } from './wire-fetch';

const brokers = (process.env.FLOE_KAFKA_BROKERS as string).split(',');
const kafka = createKafka({ brokers, clientId: 'floe-wire-test', logLevel: 'error' });
const run = randomBytes(4).toString('hex');
const topic = `wire-fetch-${run}`;

type Seen = {
  offset: string;
  timestampMs: string;
  key: string | null;
  value: string | null;
  headers: string;
};

function show(r: RawRecord): Seen {
  return {
    offset: r.offset.toString(),
    timestampMs: r.timestampMs.toString(),
    key: r.key === null ? null : r.key.toString('hex'),
    value: r.value === null ? null : r.value.toString('hex'),
    headers: JSON.stringify(r.headers.map((h) => [h.key, h.value === null ? null : h.value.toString('hex')])),
  };
}

/** Every record of the topic as kafkajs decodes it, or as an engine's indexer reads the fetched batches. */
async function readAll(
  wire: EngineName | undefined,
  expected: number,
): Promise<{ seen: Seen[]; kept: boolean }> {
  const consumer = kafka.consumer({
    groupId: `${topic}-${wire ?? 'kafkajs'}-${randomBytes(4).toString('hex')}`,
    readUncommitted: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: Seen[] = [];
  let kept = false;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gave up with ${seen.length} records`)), 30_000);
    const start = () =>
      consumer.run({
        eachBatch: async ({ batch }: { batch: Batch }) => {
          const messages = batch.messages as unknown[];
          let raw: RawBatch | undefined;
          if (messages.length > 0 && messages.every(isFetchedRecordBatch)) {
            kept = true;
            raw = unpackFetched(batch.topic, batch.partition, messages, wire as EngineName);
          }
          for (let i = 0; i < (raw?.length ?? batch.messages.length); i += 1) {
            if (raw !== undefined) {
              seen.push(show(raw.record(i)));
              continue;
            }
            const m = batch.messages[i] as Batch['messages'][number];
            const headers = Object.entries(m.headers ?? {}).flatMap(([key, v]) =>
              (Array.isArray(v) ? v : [v]).map((value) => ({
                key,
                value: value === undefined ? null : Buffer.from(value),
              })),
            );
            seen.push(
              show({
                offset: BigInt(m.offset),
                timestampMs: BigInt(m.timestamp),
                key: m.key,
                value: m.value,
                headers,
              }),
            );
          }
          if (seen.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    (wire ? keepRecordBatches(start) : start()).catch(reject);
  });
  await consumer.disconnect();
  return { seen, kept };
}

/** Every record of the topic as the librdkafka source delivers it, from offset 0. */
async function readWithLibrdkafka(expected: number): Promise<Seen[]> {
  const source = new NativeSource({
    kafka: { brokers, clientId: 'floe-wire-test' },
    groupId: `${topic}-librdkafka-${randomBytes(4).toString('hex')}`,
    topics: [topic],
    fromBeginning: true,
    sessionTimeoutMs: 10_000,
    log: () => {},
  });
  const seen: Seen[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gave up with ${seen.length} records`)), 30_000);
    source
      .start({
        assigned: async (keys) => {
          for (const key of keys) source.seek(key, 0n);
        },
        batch: async ({ raw }) => {
          for (let i = 0; i < raw.length; i += 1) seen.push(show(raw.record(i)));
          if (seen.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await source.stop();
  await source.disconnect();
  return seen;
}

describe('fetched records read without kafkajs decoding them', () => {
  const produced = { committed: 0 };

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    // Keys, tombstones, empty values, repeated and null header values, unicode, large values.
    await producer.send({
      topic,
      messages: [
        { key: 'k1', value: '{"a":1}', headers: { h: 'x', e: '' } },
        { key: null, value: null },
        { key: '', value: '' },
        { value: 'ü€😀'.repeat(3000), timestamp: '1000' },
      ],
    });
    await producer.send({
      topic,
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: 50 }, (_, i) => ({ key: `g${i}`, value: `{"i":${i}}` })),
    });
    await producer.disconnect();
    // A committed and an aborted transaction: read_committed readers see the first only.
    const tx = kafka.producer({ transactionalId: `${topic}-tx`, maxInFlightRequests: 1, idempotent: true });
    await tx.connect();
    const committed = await tx.transaction();
    await committed.send({ topic, messages: [{ value: 'in-committed-1' }, { value: 'in-committed-2' }] });
    await committed.commit();
    const aborted = await tx.transaction();
    await aborted.send({ topic, messages: [{ value: 'in-aborted' }] });
    await aborted.abort();
    await tx.disconnect();
    const plain = kafka.producer();
    await plain.connect();
    await plain.send({ topic, messages: [{ key: 'last', value: 'after-the-transactions' }] });
    await plain.disconnect();
    produced.committed = 4 + 50 + 2 + 1;
  });

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it.each(
    (['portable', 'native'] as const).filter((e) => e === 'portable' || nativeEngineStatus().available),
  )(
    '%s indexer: reads every record exactly as kafkajs decodes it, aborted transactions and control records left out',
    async (engine) => {
      const ordinary = await readAll(undefined, produced.committed);
      const wire = await readAll(engine, produced.committed);
      expect(wire.kept).toBe(true);
      expect(ordinary.seen).toHaveLength(produced.committed);
      expect(wire.seen).toEqual(ordinary.seen);
      expect(wire.seen.map((s) => s.value && Buffer.from(s.value, 'hex').toString())).not.toContain(
        'in-aborted',
      );
    },
  );

  it.skipIf(nativeConsumerRefusal({}) !== undefined)(
    'librdkafka source: delivers every record exactly as kafkajs decodes it, aborted transactions and control records left out',
    async () => {
      const ordinary = await readAll(undefined, produced.committed);
      const native = await readWithLibrdkafka(produced.committed);
      expect(native).toEqual(ordinary.seen);
    },
  );
});
