import { scanWithPyiceberg } from '@floe/iceberg/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordRejectedError, type TypedValue, type ValueDecoder } from '../decode/decoded';
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

// Flat JSON objects of strings and integers: enough to drive the runner; the real decoders have their own tests.
const flatJson: ValueDecoder = {
  async decode(value: Buffer): Promise<TypedValue> {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(value.toString('utf8'));
    } catch (error) {
      throw new RecordRejectedError('invalid-json', (error as Error).message);
    }
    const fields = Object.entries(parsed).map(([name, v]) => ({
      id: 0,
      name,
      required: false,
      type: { type: typeof v === 'number' ? 'long' : 'string' } as const,
    }));
    const row = Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, typeof v === 'number' ? BigInt(v) : v]),
    );
    return { type: { type: 'struct', fields }, row };
  },
};

const kafka = testKafka();
const catalog = testCatalog();
const namespace = uniqueName('ingest');
const opened: OpenedPipeline[] = [];
const host = { decoder: flatJson, resolveSecret: async () => '', awsCredentials: testAwsCredentials };

afterAll(async () => {
  await Promise.allSettled(opened.map((p) => p.stop()));
});

async function produce(topic: string, from: number, count: number, partitions: number) {
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({
    key: `user-${(from + i) % 17}`,
    value: JSON.stringify({ id: from + i, user: `user-${(from + i) % 17}`, note: `ünïcode ${from + i}` }),
    partition: (from + i) % partitions,
  }));
  await producer.send({ topic, messages });
  await producer.disconnect();
}

describe('pipeline runner on Kafka, the REST catalog and S3', () => {
  it('commits every record exactly once across a restart, with the offsets in the snapshot summary', {
    timeout: 240_000,
  }, async () => {
    await catalog.createNamespace([namespace]);
    const topic = uniqueName('orders').replace('_', '-');
    await createTopic(kafka, topic, 3);
    const spec = testSpec([topic], namespace, 'orders');
    await produce(topic, 0, 3000, 3);

    const first = await openPipeline(spec, host);
    opened.push(first);
    await first.start();
    await waitForCommitted(catalog, namespace, ['orders'], spec.id, 3000);
    await first.stop();

    await produce(topic, 3000, 500, 3);
    const second = await openPipeline(spec, host);
    opened.push(second);
    await second.start();
    await waitForCommitted(catalog, namespace, ['orders'], spec.id, 3500);
    await second.stop();

    const scan = await scanWithPyiceberg([namespace], 'orders', { select: ['id', 'note', '_kafka'] });
    expect(scan.rows).toHaveLength(3500);
    const coordinates = new Set(
      scan.rows.map(
        (r) => `${(r._kafka as { partition: string }).partition}/${(r._kafka as { offset: string }).offset}`,
      ),
    );
    expect(coordinates.size).toBe(3500);
    const ids = scan.rows.map((r) => Number(String(r.id).slice(2))).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 3500 }, (_, i) => i));
    const row7 = scan.rows.find((r) => r.id === 'i:7');
    expect(row7?.note).toBe('ünïcode 7');
    expect((row7?._kafka as { key: string } | undefined)?.key).toBe('user-7');
    const summary = scan.snapshots.at(-1)?.summary ?? {};
    expect(JSON.parse(summary[`floe.offsets.${spec.id}`] as string)).toEqual({
      [topic]: { '0': '1167', '1': '1167', '2': '1166' },
    });
  });
});
