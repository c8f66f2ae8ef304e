// The benchmarks' Kafka topics: created with the bench's partition count, filled with bench events.
import { loadStackEnv } from '../../../infra/local/env.mjs';
import { createKafka } from '../src/index';
import { benchEvent, PARTITIONS } from './events';

Object.assign(process.env, {
  ...loadStackEnv(),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  ...process.env,
});

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

/** Produces events `from`…`from + count - 1`; returns their average size in bytes. */
export async function produce(topic: string, from: number, count: number): Promise<number> {
  const producer = kafka.producer();
  await producer.connect();
  let bytes = 0;
  const chunk = 2000; // under the broker's message.max.bytes per partition batch
  const sends: Promise<unknown>[] = [];
  for (let start = from; start < from + count; start += chunk) {
    const messages = Array.from({ length: Math.min(chunk, from + count - start) }, (_, i) => {
      const value = benchEvent(start + i, 0);
      bytes += value.length;
      return { value, partition: (start + i) % PARTITIONS };
    });
    sends.push(producer.send({ topic, messages }));
    if (sends.length >= 8) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
  await producer.disconnect();
  return bytes / count;
}
