import { scanWithPyiceberg } from '@floe/iceberg/testing';
import type { PipelineSpec } from '@floe/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { SchemalessJsonDecoder } from '../decode/schemaless-json';
import {
  createTopic,
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
let pipeline: OpenedPipeline | undefined;

afterEach(async () => {
  await pipeline?.stop();
  pipeline = undefined;
});

const good = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ value: JSON.stringify({ id: from + i }) }));
const BAD = { value: JSON.stringify({ id: 'not a number' }) };

/** A pipeline on a new one-partition topic that already holds 20 good records, committed. */
async function started(policy: 'pause' | 'skip', paused?: (error: Error) => void) {
  const namespace = uniqueName(`policy_${policy}`);
  await catalog.createNamespace([namespace]);
  const topic = uniqueName('events').replace('_', '-');
  await createTopic(kafka, topic, 1);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: good(0, 20) });
  const spec: PipelineSpec = testSpec([topic], namespace, 'events', { deadLetter: { policy } });
  pipeline = await openPipeline(spec, {
    decoder: new SchemalessJsonDecoder(),
    resolveSecret: async () => '',
    awsCredentials: testAwsCredentials,
    observer: { paused },
  });
  await pipeline.start();
  await waitForCommitted(catalog, namespace, ['events'], spec.id, 20);
  // Good records around a bad one, in one send: one fetch, so the runner takes them together.
  await producer.send({ topic, messages: [...good(20, 5), BAD, ...good(25, 5)] });
  await producer.disconnect();
  return { namespace, spec, topic };
}

const ids = async (namespace: string) =>
  // pyiceberg's rows come back typed: a long is "i:<digits>".
  (await scanWithPyiceberg([namespace], 'events', { select: ['id'] })).rows
    .map((r) => Number(String(r.id).slice(2)))
    .sort((a, b) => a - b);

describe('the bad-record policies', () => {
  it('pause stops at the bad record, names it, and commits nothing at or past it', {
    timeout: 120_000,
  }, async () => {
    let resolvePaused: (error: Error) => void = () => {};
    const paused = new Promise<Error>((resolve) => {
      resolvePaused = resolve;
    });
    const { namespace, topic } = await started('pause', (error) => resolvePaused(error));
    const error = await paused;
    expect(error.message).toBe(
      `record ${topic}/0@25 was rejected (type-mismatch) and the pipeline's bad-record policy is pause`,
    );
    await pipeline?.stop();
    pipeline = undefined;
    // The good records taken before the bad one were dropped with it: resumed, they are read again.
    expect(await ids(namespace)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('skip leaves the bad record out and commits the rest', { timeout: 120_000 }, async () => {
    const { namespace, spec } = await started('skip');
    await waitForCommitted(catalog, namespace, ['events'], spec.id, 31);
    expect(pipeline?.runner.metrics.deadLetters.get('skipped')).toBe(1);
    expect(await ids(namespace)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});
