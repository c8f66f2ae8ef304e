import { randomBytes } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from './client';
import type { KafkaLogRecord } from './log';

const brokers = (process.env.FLOE_KAFKA_BROKERS as string).split(',');
const logs: KafkaLogRecord[] = [];
const kafka = createKafka({ brokers, clientId: 'floe-ingest-test', logger: (r) => logs.push(r) });
const admin = kafka.admin();
const producer = kafka.producer();
const run = randomBytes(4).toString('hex');
const topic = `ingest-test-${run}`;
const groupId = `${topic}-group`;

type Seen = { partition: number; offset: number; key: string; value: string };

/**
 * Runs a new consumer in the group until `done(seen)` holds; fails after `ms`. Records of one
 * partition arrive in offset order, so `seen` filtered by partition is that partition's order.
 */
async function consumeUntil(done: (seen: Seen[]) => boolean, ms = 60_000) {
  const consumer: Consumer = kafka.consumer({ groupId });
  await consumer.connect();
  // fromBeginning only applies to a group without commits: the resume test relies on that.
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: Seen[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`gave up after ${ms} ms with ${seen.length} records`)),
        ms,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            seen.push({
              partition,
              offset: Number(message.offset),
              key: message.key?.toString() ?? '',
              value: message.value?.toString() ?? '',
            });
            if (done(seen)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    // Stopping commits the offsets of what was processed, then leaves the group.
    await consumer.disconnect();
  }
  return seen;
}

/** Next offset to read per partition: the log end offsets, or what the group has committed. */
async function endOffsets() {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
}
async function committedOffsets() {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

const byPartition = (seen: Seen[], partition: number) => seen.filter((s) => s.partition === partition);
const reachedEnd = (end: Map<number, number>) => (seen: Seen[]) =>
  [...end].every(([p, high]) => high === 0 || byPartition(seen, p).at(-1)?.offset === high - 1);

describe('Kafka through createKafka (real broker)', () => {
  beforeAll(async () => {
    await Promise.all([admin.connect(), producer.connect()]);
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  });

  afterAll(async () => {
    await admin.deleteGroups([groupId, `${groupId}-log`]);
    await admin.deleteTopics({ topics: [topic] });
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  it('delivers 10,000 keyed records in order per partition, and a new group member resumes from the commits', async () => {
    const produced = Array.from({ length: 10_000 }, (_, i) => ({
      key: `key-${i % 101}`,
      value: `value-${i}`,
    }));
    for (let i = 0; i < produced.length; i += 1_000)
      await producer.send({ topic, acks: -1, messages: produced.slice(i, i + 1_000) });
    const end = await endOffsets();
    expect([...end.values()].reduce((a, b) => a + b, 0)).toBe(10_000);

    const first = await consumeUntil(reachedEnd(end));
    expect(first).toHaveLength(10_000);
    expect(new Set(first.map((s) => `${s.key}=${s.value}`))).toEqual(
      new Set(produced.map((p) => `${p.key}=${p.value}`)),
    );
    for (const [partition, high] of end) {
      expect(high).toBeGreaterThan(0); // 101 keys spread over all three partitions
      expect(byPartition(first, partition).map((s) => s.offset)).toEqual([...Array(high).keys()]);
    }
    // One key, one partition: its values arrive in the order they were produced.
    const valuesOf = (key: string, records: { key: string; value: string }[]) =>
      records.filter((r) => r.key === key).map((r) => r.value);
    for (const key of ['key-0', 'key-50', 'key-100'])
      expect(valuesOf(key, first)).toEqual(valuesOf(key, produced));
    expect(await committedOffsets()).toEqual(end);

    const later = Array.from({ length: 300 }, (_, i) => ({ key: `key-${i % 101}`, value: `later-${i}` }));
    await producer.send({ topic, acks: -1, messages: later });
    const newEnd = await endOffsets();
    // A re-read of anything committed would arrive before the new records of its partition,
    // so reading each partition to its new end and checking where it started is conclusive.
    const second = await consumeUntil(reachedEnd(newEnd));
    for (const [partition, high] of newEnd) {
      const start = end.get(partition) as number;
      expect(byPartition(second, partition).map((s) => s.offset)).toEqual(
        Array.from({ length: high - start }, (_, i) => start + i),
      );
    }
    expect(second.map((s) => s.value).sort()).toEqual(later.map((l) => l.value).sort());
    expect(await committedOffsets()).toEqual(newEnd);
  });

  it('logs no record key or value, even with kafkajs protocol-buffer debugging on', async () => {
    const secret = `do-not-log-${run}`;
    const env = { ...process.env };
    // These make kafkajs put decoded fetch responses, record values included, in its debug logs.
    process.env.KAFKAJS_DEBUG_PROTOCOL_BUFFERS = '1';
    process.env.KAFKAJS_DEBUG_EXTENDED_PROTOCOL_BUFFERS = '1';
    const debugLogs: KafkaLogRecord[] = [];
    const chatty = createKafka({
      brokers,
      clientId: 'floe-ingest-log-test',
      logLevel: 'debug',
      logger: (r) => debugLogs.push(r),
    });
    const debugProducer = chatty.producer();
    const consumer = chatty.consumer({ groupId: `${groupId}-log` });
    try {
      await debugProducer.connect();
      const [sent] = await debugProducer.send({
        topic,
        acks: -1,
        messages: [{ key: secret, value: secret }],
      });
      await consumer.connect();
      await consumer.subscribe({ topic });
      const got = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the record did not arrive within 30 s')), 30_000);
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              if (partition === sent?.partition && message.offset === sent.baseOffset) {
                clearTimeout(timer);
                resolve(message.value?.toString() ?? '');
              }
            },
          })
          .catch(reject);
        // Start where the record is, not at the end the group would pick.
        consumer.seek({ topic, partition: sent?.partition as number, offset: sent?.baseOffset as string });
      });
      expect(got).toBe(secret);
    } finally {
      await Promise.all([consumer.disconnect(), debugProducer.disconnect()]);
      process.env = env;
    }
    // The fetch that carried the record was logged, without it.
    expect(debugLogs.some((r) => r.message.startsWith('Response Fetch'))).toBe(true);
    // Buffers serialize as byte lists, so look for the bytes as well as the text.
    const bytes = [...Buffer.from(secret)].join(',');
    // (A boolean, so that a failure does not print the whole log.)
    for (const text of [JSON.stringify(debugLogs), JSON.stringify(logs)])
      expect(text.includes(secret) || text.includes(bytes)).toBe(false);
  });
});
