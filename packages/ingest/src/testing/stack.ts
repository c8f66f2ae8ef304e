import { randomBytes } from 'node:crypto';
import { type Catalog, RestCatalog, S3FileIO } from '@floe/iceberg';
import { type PipelineSpec, type PipelineSpecInput, pipelineSpecSchema } from '@floe/protocol';
import { tableOffsets } from '../commit/offsets';
import { createKafka, type KafkaClient } from '../kafka/client';

// Test fixtures on the local stack: Kafka, the REST catalog and the object store from env.json.

const env = process.env;

export const brokers = (env.FLOE_KAFKA_BROKERS as string).split(',');

export function testKafka(clientId = 'floe-ingest-test'): KafkaClient {
  return createKafka({ brokers, clientId, logLevel: 'error' });
}

export function testCatalog(): Catalog {
  return new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
}

/** The stack's object-store admin keys (moto checks credentials). */
export const testAwsCredentials = {
  accessKeyId: env.FLOE_AWS_ACCESS_KEY_ID as string,
  secretAccessKey: env.FLOE_AWS_SECRET_ACCESS_KEY as string,
};

/** The stack's object store. */
export function testIO(): S3FileIO {
  return new S3FileIO({
    region: env.FLOE_AWS_REGION as string,
    endpoint: env.FLOE_S3_ENDPOINT,
    credentials: testAwsCredentials,
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** A pipeline spec on the local stack: one topic into `namespace.table`, committing every second. */
export function testSpec(
  topics: string[],
  namespace: string,
  table: string,
  overrides: Partial<PipelineSpecInput> = {},
): PipelineSpec {
  return pipelineSpecSchema.parse({
    id: uniqueName('pipe'),
    name: 'test pipeline',
    version: 1,
    source: { bootstrapServers: brokers, topics, startFrom: 'earliest' },
    format: { value: 'json', key: 'string' },
    table: {
      catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
      namespace: [namespace],
      name: table,
      storage: {
        bucket: env.FLOE_WAREHOUSE_BUCKET,
        prefix: 'floe-tests',
        region: env.FLOE_AWS_REGION,
        endpoint: env.FLOE_S3_ENDPOINT,
      },
    },
    commit: { intervalSeconds: 1 },
    deadLetter: { policy: 'skip' },
    ...overrides,
  });
}

export async function createTopic(kafka: KafkaClient, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export interface TopicRecord {
  key: string | null;
  value: string | null;
  /** Header values as text; a repeated header's values joined by `|`. */
  headers: Record<string, string>;
}

/** The first `count` records of a topic, read from the start by a throwaway group. */
export async function readTopic(kafka: KafkaClient, topic: string, count: number, ms = 120_000) {
  // A short session: a reader that joins a busy broker late is not kept waiting on a long rebalance.
  const consumer = kafka.consumer({
    groupId: uniqueName('reader'),
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: TopicRecord[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${seen.length} of ${count} from ${topic}`)), ms);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const headers = Object.fromEntries(
              Object.entries(message.headers ?? {}).map(([k, v]) => [
                k,
                String(Array.isArray(v) ? v.join('|') : v),
              ]),
            );
            seen.push({
              key: message.key?.toString() ?? null,
              value: message.value?.toString() ?? null,
              headers,
            });
            if (seen.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** Records of a pipeline a table holds: the sum of the next offsets in its snapshot summary (0 before it exists). */
export async function committedRecords(
  catalog: Catalog,
  namespace: string,
  table: string,
  pipelineId: string,
) {
  const loaded = await catalog.loadTable({ namespace: [namespace], name: table }).catch(() => undefined);
  if (loaded === undefined) return 0;
  return Number([...tableOffsets(loaded.metadata, pipelineId).values()].reduce((a, b) => a + b, 0n));
}

/** Waits until every one of the tables holds at least `count` records of the pipeline. */
export async function waitForCommitted(
  catalog: Catalog,
  namespace: string,
  tables: string[],
  pipelineId: string,
  count: number,
  ms = 120_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const held = await Promise.all(tables.map((t) => committedRecords(catalog, namespace, t, pipelineId)));
    if (held.every((n) => n >= count)) return;
    if (Date.now() > deadline)
      throw new Error(`${tables.join(', ')} hold ${held.join(', ')} of ${count} records`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
