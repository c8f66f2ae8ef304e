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
import { tcpProxy } from '../testing/tcp-proxy';
import { type OpenedPipeline, openPipeline } from './open-pipeline';

// The catalog and the object store go away mid-ingest (every connection cut and refused, as during a
// restart) and come back: the pipeline recovers by itself, and pyiceberg finds every record once.

const kafka = testKafka();
const catalog = testCatalog();
const namespace = uniqueName('outage');
const endpoint = (url: string) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) });
const proxies: Awaited<ReturnType<typeof tcpProxy>>[] = [];
let pipeline: OpenedPipeline | undefined;

afterAll(async () => {
  await pipeline?.stop();
  await Promise.all(proxies.map((p) => p.close()));
});

describe('outages of the catalog and the object store during ingest', () => {
  it('loses and duplicates nothing while each is down for a while', { timeout: 240_000 }, async () => {
    const catalogProxy = await tcpProxy(endpoint(process.env.FLOE_ICEBERG_REST_URI as string));
    const storeProxy = await tcpProxy(endpoint(process.env.FLOE_S3_ENDPOINT as string));
    proxies.push(catalogProxy, storeProxy);
    await catalog.createNamespace([namespace]);
    const topic = uniqueName('outage').replace('_', '-');
    await createTopic(kafka, topic, 2);
    const base = testSpec([topic], namespace, 'events');
    const spec = {
      ...base,
      table: {
        ...base.table,
        catalog: {
          type: 'rest' as const,
          uri: `http://127.0.0.1:${catalogProxy.port}`,
          warehouse: 'warehouse',
        },
        storage: { ...base.table.storage, endpoint: `http://127.0.0.1:${storeProxy.port}` },
      },
    };
    pipeline = await openPipeline(spec, {
      decoder: new SchemalessJsonDecoder(),
      resolveSecret: async () => '',
      awsCredentials: testAwsCredentials,
    });
    await pipeline.start();
    const producer = kafka.producer();
    await producer.connect();
    let produced = 0;
    const produce = async (n: number) => {
      const messages = Array.from({ length: n }, () => ({ value: JSON.stringify({ seq: produced++ }) }));
      await producer.send({ topic, messages });
    };
    const waitFor = (n: number) => waitForCommitted(catalog, namespace, ['events'], spec.id, n);
    await produce(100);
    await waitFor(100);

    for (const proxy of [catalogProxy, storeProxy]) {
      await proxy.down();
      await produce(100);
      // Several commit intervals pass with the service gone: commits fail and are retried.
      await new Promise((r) => setTimeout(r, 6000));
      await proxy.up();
      await waitFor(produced);
    }
    await producer.disconnect();
    const errors = pipeline.runner.metrics.commitErrors;
    await pipeline.stop();
    pipeline = undefined;

    expect(errors).toBeGreaterThan(0);
    const rows = (await scanWithPyiceberg([namespace], 'events', { select: ['seq'] })).rows;
    const seqs = rows.map((r) => Number(String(r.seq).slice(2))).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: produced }, (_, i) => i));
  });
});
