import { randomUUID } from 'node:crypto';
import { createKafka, type KafkaClient, kafkaFailure, kafkaSecurityOptions } from '@floe/ingest';
import {
  DISCOVERY_LIMITS,
  type DiscoveredTopic,
  type KafkaDescribeJob,
  type KafkaDescription,
  kafkaDescriptionSchema,
  type TopicSample,
  topicSampleSchema,
} from '@floe/protocol';
import kafkajs, { type Admin } from 'kafkajs';
import { decoderFor } from '../pipelines/decoder';
import type { SecretResolver } from '../secrets';
import { type SampledRecord, summarizeRecords } from './schema-summary';

/** How long sampling waits for the records it asked for before summarizing what came. */
const SAMPLE_WAIT_MS = 20_000;
/** The window over which a topic's rate is measured. */
const RATE_WINDOW_MS = 3_600_000;
const OFFSET_CALLS_AT_ONCE = 8;
// kafkajs is CommonJS: Node's ESM loader finds no named export for this enum (the built agent is ESM).
const { ConfigResourceTypes } = kafkajs;

/**
 * Runs a `kafka.describe` job inside the customer's network: lists the cluster's topics with their
 * settings and offsets, and, when asked, samples one topic's newest records and keeps only their
 * shape (see summarizeRecords). The answer is parsed with the protocol's schema before it leaves,
 * so that nothing but names, numbers and enums can.
 */
export async function describeKafka(
  job: KafkaDescribeJob,
  secrets: SecretResolver,
): Promise<KafkaDescription> {
  const kafka = await kafkaFor(job.kafka, secrets);
  const admin = kafka.admin();
  await admin.connect().catch((error) => Promise.reject(kafkaFailure(error, job.kafka.bootstrapServers)));
  try {
    const names = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    const listed = names.slice(0, DISCOVERY_LIMITS.topics);
    const topics = await describeTopics(admin, listed);
    // Asked of a missing topic, a broker might create it: discovery only ever reads.
    if (job.sample !== undefined && !names.includes(job.sample.topic))
      throw new Error(`the topic ${job.sample.topic} does not exist`);
    const sample = job.sample === undefined ? null : await sampleTopic(kafka, admin, job.sample, secrets);
    return kafkaDescriptionSchema.parse({ topics, truncated: names.length > listed.length, sample });
  } finally {
    await admin.disconnect();
  }
}

/** The connection's client, with its TLS and SASL settings as pipelines use them (MSK IAM included). */
async function kafkaFor(kafka: KafkaDescribeJob['kafka'], secrets: SecretResolver): Promise<KafkaClient> {
  return createKafka({
    brokers: kafka.bootstrapServers,
    clientId: 'floe-agent-discovery',
    logLevel: 'error',
    ...(await kafkaSecurityOptions(kafka.security, { resolveSecret: secrets.resolve })),
  });
}

async function describeTopics(admin: Admin, names: string[]): Promise<DiscoveredTopic[]> {
  if (names.length === 0) return [];
  const [{ topics: metadata }, configs] = await Promise.all([
    admin.fetchTopicMetadata({ topics: names }),
    admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['retention.ms', 'cleanup.policy'],
      })),
    }),
  ]);
  const configOf = (topic: string, name: string) =>
    configs.resources.find((r) => r.resourceName === topic)?.configEntries.find((e) => e.configName === name)
      ?.configValue ?? null;
  const offsets = await inBatches(names, OFFSET_CALLS_AT_ONCE, (topic) => topicFigures(admin, topic));
  return names.map((name, i) => {
    const policy = configOf(name, 'cleanup.policy')?.split(',').sort().join(',') ?? null;
    return {
      name,
      partitions: metadata.find((t) => t.name === name)?.partitions.length ?? 0,
      retentionMs: configOf(name, 'retention.ms'),
      cleanupPolicy:
        policy === 'delete' || policy === 'compact' || policy === 'compact,delete' ? policy : null,
      ...(offsets[i] as TopicFigures),
    };
  });
}

type TopicFigures = Pick<DiscoveredTopic, 'approximateRecords' | 'recordsPerSecond'>;

/** Records held (end minus start offsets) and the last hour's appends, from offsets alone. */
async function topicFigures(admin: Admin, topic: string): Promise<TopicFigures> {
  const [ends, hourAgo] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - RATE_WINDOW_MS).catch(() => null),
  ]);
  const approximateRecords = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  if (hourAgo === null) return { approximateRecords, recordsPerSecond: null };
  const appended = ends.reduce((n, p) => {
    const from = Number(hourAgo.find((h) => h.partition === p.partition)?.offset ?? -1);
    // -1: no record since then.
    return n + (from < 0 ? 0 : Math.max(0, Number(p.high) - from));
  }, 0);
  return { approximateRecords, recordsPerSecond: appended / (RATE_WINDOW_MS / 1000) };
}

async function sampleTopic(
  kafka: KafkaClient,
  admin: Admin,
  sample: NonNullable<KafkaDescribeJob['sample']>,
  secrets: SecretResolver,
): Promise<TopicSample> {
  const records = await newestRecords(kafka, admin, sample.topic, sample.records);
  const summary = await summarizeRecords(records, await decoderFor({ format: sample.format }, secrets));
  return {
    topic: sample.topic,
    valueFormat: sample.format.value,
    requested: sample.records,
    sampled: records.length,
    rejected: summary.rejected,
    averageValueBytes: summary.averageValueBytes,
    registry: summary.schemaId === undefined ? null : await registeredAs(sample, summary.schemaId, secrets),
    fields: summary.fields,
    omittedFields: summary.omittedFields,
  };
}

/**
 * About `count` of the topic's newest records, spread over its partitions, read by a consumer group
 * of its own that never commits and is deleted afterwards: the pipelines' groups are not touched.
 */
async function newestRecords(
  kafka: KafkaClient,
  admin: Admin,
  topic: string,
  count: number,
): Promise<SampledRecord[]> {
  const offsets = (await admin.fetchTopicOffsets(topic)).filter((p) => Number(p.high) > Number(p.low));
  if (offsets.length === 0) return [];
  const perPartition = Math.ceil(count / offsets.length);
  const wanted = new Map(
    offsets.map((p) => [
      p.partition,
      { from: Math.max(Number(p.low), Number(p.high) - perPartition), end: Number(p.high) },
    ]),
  );
  const groupId = `floe-discovery-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  const records: SampledRecord[] = [];
  const done = new Set<number>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, SAMPLE_WAIT_MS);
      const finish = () => {
        clearTimeout(timer);
        resolve();
      };
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const range = wanted.get(partition);
            const offset = Number(message.offset);
            if (range === undefined || offset < range.from || done.has(partition)) return;
            records.push({ key: message.key, value: message.value });
            if (offset >= range.end - 1) done.add(partition);
            if (done.size === wanted.size) finish();
          },
        })
        .catch(reject);
      for (const [partition, range] of wanted)
        consumer.seek({ topic, partition, offset: String(range.from) });
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => {});
  }
  return records.slice(-count);
}

/** The subject and version the registry files a schema id under, preferring the topic's value subject. */
async function registeredAs(
  sample: NonNullable<KafkaDescribeJob['sample']>,
  schemaId: number,
  secrets: SecretResolver,
): Promise<TopicSample['registry']> {
  const registry = sample.format.schemaRegistry;
  if (registry === undefined) return null;
  const headers: Record<string, string> = {
    Accept: 'application/vnd.schemaregistry.v1+json, application/json',
  };
  if (registry.password !== undefined) {
    const password = await secrets.resolve(registry.password);
    secrets.redactor.addBasicAuth(registry.username ?? '', password);
    headers.Authorization = `Basic ${Buffer.from(`${registry.username ?? ''}:${password}`).toString('base64')}`;
  }
  const res = await fetch(`${registry.url.replace(/\/+$/, '')}/schemas/ids/${schemaId}/versions`, {
    headers,
    redirect: 'error',
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) return null;
  const versions = (await res.json()) as { subject: string; version: number }[];
  const chosen = versions.find((v) => v.subject === `${sample.topic}-value`) ?? versions[0];
  // A subject named outside the protocol's pattern is not reported rather than failing the job.
  const parsed = topicSampleSchema.shape.registry.safeParse(chosen && { ...chosen, schemaId });
  return parsed.success ? parsed.data : null;
}

async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  each: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(each))));
  return out;
}
