import { randomBytes } from 'node:crypto';
import { type Consumer, Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const kafka = new Kafka({
  clientId: 'floe-stack-test',
  brokers: (process.env.FLOE_KAFKA_BROKERS as string).split(','),
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const topic = `stack-test-${randomBytes(4).toString('hex')}`;
const group = `${topic}-group`;
const RECORDS = 10_000;

type Seen = { partition: number; offset: bigint; key: string; value: string };

/** Consumes with the group until `count` records arrived; resolves with them in arrival order. */
async function consume(count: number): Promise<{ seen: Seen[]; consumer: Consumer }> {
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: Seen[] = [];
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`only ${seen.length} of ${count} records within 60 s`)),
      60_000,
    );
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          seen.push({
            partition,
            offset: BigInt(message.offset),
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
          });
          if (seen.length === count) {
            clearTimeout(timer);
            done();
          }
        },
      })
      .catch(fail);
  });
  return { seen, consumer };
}

describe('Kafka (KRaft) on the local stack', () => {
  beforeAll(async () => {
    await Promise.all([admin.connect(), producer.connect()]);
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  it('delivers 10,000 keyed records, each partition in offset order, then resumes a group from its commits', async () => {
    const produced = Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i % 97}`, value: `v${i}` }));
    for (let i = 0; i < RECORDS; i += 1000)
      await producer.send({ topic, messages: produced.slice(i, i + 1000) });

    const first = await consume(RECORDS);
    await first.consumer.disconnect(); // commits the group's offsets on the way out
    expect(new Set(first.seen.map((s) => `${s.key}=${s.value}`))).toEqual(
      new Set(produced.map((p) => `${p.key}=${p.value}`)),
    );
    for (const p of [0, 1, 2]) {
      const offsets = first.seen.filter((s) => s.partition === p).map((s) => s.offset);
      expect(offsets.length).toBeGreaterThan(0);
      expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)));
    }
    // One key always lands on one partition.
    const partitionOf = new Map<string, number>();
    for (const s of first.seen) {
      if (!partitionOf.has(s.key)) partitionOf.set(s.key, s.partition);
      expect(partitionOf.get(s.key)).toBe(s.partition);
    }

    const more = Array.from({ length: 30 }, (_, i) => ({ key: `late${i}`, value: `late${i}` }));
    await producer.send({ topic, messages: more });
    const second = await consume(more.length);
    await new Promise((r) => setTimeout(r, 1000)); // anything already read twice would have arrived by now
    await second.consumer.disconnect();
    expect(second.seen.map((s) => s.value).sort()).toEqual(more.map((m) => m.value).sort());
  });
});
