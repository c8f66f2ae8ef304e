import { afterAll, describe, expect, it } from 'vitest';
import { DeadLetterTopicError, DLQ_HEADERS } from '../dead-letters';
import { SchemalessJsonDecoder } from '../decode/schemaless-json';
import {
  createTopic,
  readTopic,
  testAwsCredentials,
  testCatalog,
  testKafka,
  testSpec,
  uniqueName,
  waitForCommitted,
} from '../testing/stack';
import { type OpenedPipeline, openPipeline, type PipelineHost } from './open-pipeline';

const kafka = testKafka();
const catalog = testCatalog();
const namespace = uniqueName('dlqtopic');
const host: PipelineHost = {
  decoder: new SchemalessJsonDecoder(),
  resolveSecret: async () => '',
  awsCredentials: testAwsCredentials,
};
let pipeline: OpenedPipeline | undefined;

afterAll(async () => {
  await pipeline?.stop();
});

/** Partitions per topic of those that exist. */
async function partitionsOf(...topics: string[]): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length === 0) return new Map();
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: present });
    return new Map(metadata.map((t) => [t.name, t.partitions.length]));
  } finally {
    await admin.disconnect();
  }
}

describe('the dlq policy: the agent creates a missing dead-letter topic, or refuses to start', () => {
  it('creates it with the source topic partition count, and bad records land in it', {
    timeout: 180_000,
  }, async () => {
    await catalog.createNamespace([namespace]);
    const topic = uniqueName('orders').replace('_', '-');
    const dlqTopic = `${topic}.dlq`;
    await createTopic(kafka, topic, 3);
    expect(await partitionsOf(dlqTopic)).toEqual(new Map());

    const spec = testSpec([topic], namespace, 'orders', { deadLetter: { policy: 'dlq', topic: dlqTopic } });
    pipeline = await openPipeline(spec, host);
    expect(await partitionsOf(topic, dlqTopic)).toEqual(
      new Map([
        [topic, 3],
        [dlqTopic, 3],
      ]),
    );

    await pipeline.start();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { key: 'good-1', value: JSON.stringify({ id: 1 }), partition: 0 },
        { key: 'good-2', value: JSON.stringify({ id: 2 }), partition: 1 },
        { key: 'bad', value: '{"id": ', partition: 2 },
      ],
    });
    await producer.disconnect();
    await waitForCommitted(catalog, namespace, ['orders'], spec.id, 3);
    await pipeline.stop();
    pipeline = undefined;

    const [letter, ...more] = await readTopic(kafka, dlqTopic, 1, 60_000);
    expect(more).toEqual([]);
    expect(letter).toMatchObject({ key: 'bad', value: '{"id": ' });
    expect(letter?.headers[DLQ_HEADERS.reason]).toBe('invalid-json');
    // Started again, it finds the topic there and leaves it as it is.
    pipeline = await openPipeline(spec, host);
    await pipeline.stop();
    pipeline = undefined;
    expect((await partitionsOf(dlqTopic)).get(dlqTopic)).toBe(3);
  });

  it('fails the start, naming the topic and what to do, when Kafka refuses to create it', async () => {
    const topic = uniqueName('payments').replace('_', '-');
    await createTopic(kafka, topic, 2);
    // Kafka refuses a topic whose name collides with an existing one once '.' and '_' are the same.
    const dlqTopic = `${topic}.dlq`;
    await createTopic(kafka, `${topic}_dlq`, 1);

    const spec = testSpec([topic], namespace, 'payments', { deadLetter: { policy: 'dlq', topic: dlqTopic } });
    const failure = await openPipeline(spec, host).then(
      async (opened) => {
        await opened.stop();
        throw new Error('the pipeline opened without its dead-letter topic');
      },
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(DeadLetterTopicError);
    expect(failure.message).toContain(
      `dead-letter topic "${dlqTopic}" does not exist and Kafka refused to create it`,
    );
    expect(failure.message).toContain('INVALID_TOPIC_EXCEPTION');
    expect(failure.message).toContain(`Create it in your Kafka with 2 partitions, as "${topic}" has`);
    expect(failure.message).toContain('no bad record is dropped');
    expect(await partitionsOf(dlqTopic)).toEqual(new Map());
  });
});
