// The benchmarks' Kafka topics: created with the bench's partition count, filled with bench events.
import './stack';
import { createKafka } from '../src/index';
import { benchEvent, PARTITIONS } from './events';

const kafka = createKafka({
  brokers: (process.env.FLOE_KAFKA_BROKERS as string).split(','),
  clientId: 'floe-bench',
  logLevel: 'error',
});

export async function createTopic(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
}

export interface BenchMessage {
  key?: string;
  value: string | null;
  partition: number;
}

/**
 * Produces `make(0)`…`make(count - 1)`; returns their average value size in bytes. Sends overlap
 * unless `ordered`, so a partition may get a later chunk before an earlier one: changes to keys,
 * whose order is their meaning, are sent `ordered`.
 */
export async function produceMessages(
  topic: string,
  count: number,
  make: (i: number) => BenchMessage,
  { ordered = false } = {},
): Promise<number> {
  const producer = kafka.producer();
  await producer.connect();
  let bytes = 0;
  const chunk = 2000; // under the broker's message.max.bytes per partition batch
  const sends: Promise<unknown>[] = [];
  for (let start = 0; start < count; start += chunk) {
    const messages = Array.from({ length: Math.min(chunk, count - start) }, (_, i) => {
      const message = make(start + i);
      bytes += message.value?.length ?? 0;
      return message;
    });
    sends.push(producer.send({ topic, messages }));
    if (sends.length >= (ordered ? 1 : 8)) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
  await producer.disconnect();
  return bytes / count;
}

/** Produces events `from`…`from + count - 1`; returns their average size in bytes. */
export function produce(topic: string, from: number, count: number): Promise<number> {
  return produceMessages(topic, count, (i) => ({
    value: benchEvent(from + i, 0),
    partition: (from + i) % PARTITIONS,
  }));
}
