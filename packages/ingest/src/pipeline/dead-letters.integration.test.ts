import { scanWithPyiceberg } from '@floe/iceberg/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../dead-letters';
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
import { type OpenedPipeline, openPipeline } from './open-pipeline';

const kafka = testKafka();
const catalog = testCatalog();
const namespace = uniqueName('dlq');
let pipeline: OpenedPipeline | undefined;

afterAll(async () => {
  await pipeline?.stop();
});

describe('bad records go to the dead-letter topic with their reason; good + dead = produced', () => {
  it('dead-letters bad JSON, a type mismatch and a non-object, keeping key, value and headers', {
    timeout: 180_000,
  }, async () => {
    await catalog.createNamespace([namespace]);
    const topic = uniqueName('events').replace('_', '-');
    const dlqTopic = `${topic}.dlq`;
    await createTopic(kafka, topic, 2);
    await createTopic(kafka, dlqTopic, 1);
    const producer = kafka.producer();
    await producer.connect();
    const good = Array.from({ length: 50 }, (_, i) => ({
      key: `k${i}`,
      value: JSON.stringify({ id: i, name: `n${i}` }),
    }));
    const bad = [
      { key: 'bad-json', value: '{"id": 1,', headers: { trace: 'abc' } },
      { key: 'mismatch', value: JSON.stringify({ id: 'not a number', name: 'x' }) },
      { key: 'array', value: '[1,2,3]' },
      { key: 'fraction', value: JSON.stringify({ id: 2.5, name: 'y' }) },
    ];
    // Good records first, so the table (and its long id column) exists before the bad ones arrive.
    await producer.send({ topic, messages: good.map((m, i) => ({ ...m, partition: i % 2 })) });

    const spec = testSpec([topic], namespace, 'events', { deadLetter: { policy: 'dlq', topic: dlqTopic } });
    pipeline = await openPipeline(spec, {
      decoder: new SchemalessJsonDecoder(),
      resolveSecret: async () => '',
      awsCredentials: testAwsCredentials,
    });
    await pipeline.start();
    await waitForCommitted(catalog, namespace, ['events'], spec.id, good.length);
    // Only bad records from here on: the partitions still move past them (a commit with no rows).
    await producer.send({ topic, messages: bad.map((m, i) => ({ ...m, partition: i % 2 })) });
    await producer.disconnect();
    await waitForCommitted(catalog, namespace, ['events'], spec.id, good.length + bad.length);
    await pipeline.stop();
    pipeline = undefined;
    // Dead letters are sent before the commit that moves the offsets past them: all are there now.
    const deadLetters = await readTopic(kafka, dlqTopic, bad.length);

    const rows = (await scanWithPyiceberg([namespace], 'events', { select: ['id'] })).rows;
    expect(rows.length + deadLetters.length).toBe(good.length + bad.length);
    expect(rows).toHaveLength(good.length);
    const byKey = new Map(deadLetters.map((d) => [d.key, d]));
    expect([...byKey.keys()].sort()).toEqual(['array', 'bad-json', 'fraction', 'mismatch']);
    expect(byKey.get('bad-json')?.value).toBe('{"id": 1,');
    expect(byKey.get('bad-json')?.headers.trace).toBe('abc');
    expect(byKey.get('bad-json')?.headers[DLQ_HEADERS.reason]).toBe('invalid-json');
    expect(byKey.get('array')?.headers[DLQ_HEADERS.reason]).toBe('invalid-json');
    expect(byKey.get('mismatch')?.headers[DLQ_HEADERS.reason]).toBe('type-mismatch');
    expect(byKey.get('mismatch')?.headers[DLQ_HEADERS.message]).toBe(
      'id: string value "not a number" does not fit column type long',
    );
    expect(byKey.get('fraction')?.headers[DLQ_HEADERS.message]).toBe(
      'id: double value 2.5 does not fit column type long',
    );
    expect(byKey.get('fraction')?.headers[DLQ_HEADERS.topic]).toBe(topic);
    expect(byKey.get('fraction')?.headers[DLQ_HEADERS.pipeline]).toBe(spec.id);
  });
});
