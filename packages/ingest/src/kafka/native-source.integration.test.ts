import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTpKey } from '../commit/offsets';
import { StageClock } from '../pipeline/metrics';
import { brokers, createTopic, testKafka, uniqueName } from '../testing/stack';
import { KafkajsSource } from './kafkajs-source';
import { NativeSource, nativeConsumerRefusal } from './native-source';
import type { FetchedPartition, SourceHandlers } from './record-source';

const kafka = testKafka('floe-native-source-test');
const topic = uniqueName('native-source');
const PARTITIONS = 4;
const PER_PARTITION = 3_000;

function source(groupId: string): NativeSource {
  return new NativeSource({
    kafka: { brokers, clientId: 'floe-native-source-test' },
    groupId,
    topics: [topic],
    fromBeginning: true,
    sessionTimeoutMs: 10_000,
    log: () => {},
  });
}

async function until(done: () => boolean, what: string, ms = 45_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(nativeConsumerRefusal({}) !== undefined)('the librdkafka source', () => {
  beforeAll(async () => {
    await createTopic(kafka, topic, PARTITIONS);
    const producer = kafka.producer();
    await producer.connect();
    for (let p = 0; p < PARTITIONS; p += 1) {
      const messages = Array.from({ length: PER_PARTITION }, (_, i) => ({
        partition: p,
        value: `${p}:${i}`,
      }));
      await producer.send({ topic, messages });
    }
    await producer.disconnect();
  }, 60_000);

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it('starts each assigned partition where `assigned` seeks it, and after a seek delivers nothing from before it', async () => {
    const member = source(uniqueName('seek-group'));
    const delivered = new Map<string, bigint[]>();
    let soughtBack = false;
    const handlers: SourceHandlers = {
      assigned: async (keys) => {
        for (const key of keys) member.seek(key, 1_000n);
      },
      batch: async ({ key, raw }: FetchedPartition) => {
        const offsets = delivered.get(key) ?? [];
        for (let i = 0; i < raw.length; i += 1) offsets.push(raw.offset(i));
        delivered.set(key, offsets);
        // Once, mid-stream: back to 10 on partition 0, with later records already fetched.
        if (!soughtBack && parseTpKey(key).partition === 0 && offsets.length >= 500) {
          soughtBack = true;
          member.seek(key, 10n);
          offsets.push(-1n);
        }
      },
    };
    await member.start(handlers);
    const end = BigInt(PER_PARTITION - 1);
    const readToEnd = (offsets: bigint[] | undefined) =>
      offsets !== undefined &&
      offsets.at(-1) === end &&
      (offsets !== delivered.get(`${topic}:0`) || soughtBack);
    await until(
      () => delivered.size === PARTITIONS && [...delivered.values()].every(readToEnd),
      'every partition read to its end',
    );
    await member.stop();
    await member.disconnect();
    for (const [key, offsets] of delivered) {
      const cut = offsets.indexOf(-1n);
      const before = cut < 0 ? offsets : offsets.slice(0, cut);
      expect(before[0], key).toBe(1_000n);
      expect(before, key).toEqual(before.map((_, i) => 1_000n + BigInt(i)));
      if (cut >= 0) {
        const after = offsets.slice(cut + 1);
        expect(after, `${key} after the seek`).toEqual(after.map((_, i) => 10n + BigInt(i)));
        expect(after.at(-1)).toBe(BigInt(PER_PARTITION - 1));
      }
    }
    expect(soughtBack).toBe(true);
  }, 90_000);

  it('splits the partitions with a kafkajs member joining, and a member is told its new share before any record of it', async () => {
    const groupId = uniqueName('rebalance-group');
    const kafkajs = new KafkajsSource({
      kafka,
      groupId,
      topics: [topic],
      fromBeginning: true,
      sessionTimeoutMs: 10_000,
      indexedBy: 'portable',
      stages: new StageClock(),
    });
    const members = [source(groupId), kafkajs];
    const owned: Set<string>[] = [new Set(), new Set()];
    const strays: string[] = [];
    const handlersOf = (m: number): SourceHandlers => ({
      assigned: async (keys) => {
        owned[m] = keys;
        for (const key of keys) members[m]?.seek(key, 0n);
      },
      batch: async ({ key }) => {
        if (!owned[m]?.has(key)) strays.push(`member ${m} got ${key}`);
      },
    });
    await members[0]?.start(handlersOf(0));
    await until(() => owned[0]?.size === PARTITIONS, 'the first member owning every partition');
    await members[1]?.start(handlersOf(1));
    await until(
      () => owned[0]?.size === PARTITIONS / 2 && owned[1]?.size === PARTITIONS / 2,
      'the partitions split between the members',
    );
    const all = new Set([...(owned[0] as Set<string>), ...(owned[1] as Set<string>)]);
    expect(all.size).toBe(PARTITIONS);
    for (const m of members) {
      await m.stop();
      await m.disconnect();
    }
    expect(strays).toEqual([]);
  }, 90_000);
});
