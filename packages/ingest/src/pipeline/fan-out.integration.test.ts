import { scanWithPyiceberg } from '@floe/iceberg/testing';
import { afterAll, describe, expect, it } from 'vitest';
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

// Fan-out and fan-in: two topics into one pipeline, each record routed by its `region` field to the
// table of its region (unrouted regions to the pipeline's own table), across a restart. pyiceberg
// finds each record once, in its own table.

const kafka = testKafka();
const catalog = testCatalog();
const namespace = uniqueName('fanout');
let pipeline: OpenedPipeline | undefined;

afterAll(async () => {
  await pipeline?.stop();
});

const REGIONS = ['eu', 'us', 'apac'] as const;
const TABLES = { eu: 'orders_eu', us: 'orders_us', apac: 'orders_other' } as const;

describe('fan-out routing by a field, many topics into one pipeline', () => {
  it('puts every record exactly once into its region table, across a restart', {
    timeout: 240_000,
  }, async () => {
    await catalog.createNamespace([namespace]);
    const topics = [uniqueName('orders-a').replace('_', '-'), uniqueName('orders-b').replace('_', '-')];
    for (const topic of topics) await createTopic(kafka, topic, 2);
    const spec = testSpec(topics, namespace, 'orders_other', {
      routing: { field: 'region', routes: { eu: 'orders_eu', us: 'orders_us' } },
    });
    const producer = kafka.producer();
    await producer.connect();
    let n = 0;
    const produce = async (count: number) => {
      for (const topic of topics) {
        const messages = Array.from({ length: count }, () => {
          n += 1;
          return { value: JSON.stringify({ n, region: REGIONS[n % 3] }) };
        });
        await producer.send({ topic, messages });
      }
    };
    const waitFor = (count: number) =>
      waitForCommitted(catalog, namespace, Object.values(TABLES), spec.id, count, 90_000);
    const host = {
      decoder: new SchemalessJsonDecoder(),
      resolveSecret: async () => '',
      awsCredentials: testAwsCredentials,
    };

    await produce(150);
    pipeline = await openPipeline(spec, host);
    await pipeline.start();
    await waitFor(n);
    await pipeline.stop();
    await produce(150);
    pipeline = await openPipeline(spec, host);
    await pipeline.start();
    await waitFor(n);
    await pipeline.stop();
    pipeline = undefined;
    await producer.disconnect();

    for (const region of REGIONS) {
      const rows = (await scanWithPyiceberg([namespace], TABLES[region], { select: ['n', 'region'] })).rows;
      const ns = rows.map((r) => Number(String(r.n).slice(2))).sort((a, b) => a - b);
      const expected = Array.from({ length: n }, (_, i) => i + 1).filter((x) => REGIONS[x % 3] === region);
      expect(ns).toEqual(expected);
      expect(new Set(rows.map((r) => r.region))).toEqual(new Set([region]));
    }
  });
});
