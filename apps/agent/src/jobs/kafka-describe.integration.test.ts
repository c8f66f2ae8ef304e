import { randomBytes } from 'node:crypto';
import { createKafka, SchemaRegistry } from '@floe/ingest';
import type { DiscoveredField } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgCaller } from '../testing/org-caller';
import { startQueuedAgent } from '../testing/queued-agent';
import { stackPolicy } from '../testing/stack-policy';

// kafka.describe end to end: an editor asks the control plane's tRPC API (discovery.describeKafka),
// which queues the job; an agent in this process claims it over HTTPS, lists the stack's Kafka topics
// and samples one whose records carry secret-looking canaries (in values, the key, a header, and as a
// field name). What comes back (discovery.kafkaResult) is a schema summary, and the canaries are
// nowhere in it, in the control plane's database, its Redis or the agent's log.

const run = randomBytes(4).toString('hex');
const topic = `describe-${run}`;
const canary = `sk_live_${randomBytes(12).toString('hex')}`;
const RECORDS = 40;
const kafka = createKafka({
  brokers: (process.env.FLOE_KAFKA_BROKERS as string).split(','),
  clientId: 'describe-test',
  logLevel: 'error',
});
const bootstrapServers = (process.env.FLOE_KAFKA_BROKERS as string).split(',');
let agent: Awaited<ReturnType<typeof startQueuedAgent>>;
let editor: Awaited<ReturnType<typeof orgCaller>>;
let kafkaConnectionId: string;
let registryConnectionId: string;
const orgSlug = 'acme';

beforeAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '86400000' }] },
      { topic: `${topic}-registered`, numPartitions: 1 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: RECORDS }, (_, i) => ({
      key: `order-${i}`,
      headers: { token: canary },
      value: JSON.stringify({
        order_id: `order-${i}`,
        ordered_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
        event_time: Date.UTC(2026, 0, 1, 0, i),
        amount: i + 0.5,
        note: `card ${canary} number ${i}`,
        ...(i % 2 === 0 && { coupon: null }),
        ...(i % 4 === 0 && { gift: true }),
        customer: { id: i % 7, email: `${canary}@example.com` },
        // Data in a name: a map keyed by a credential-shaped string is no field to list.
        tags: { [canary]: i },
      }),
    })),
  });
  await producer.disconnect();
  agent = await startQueuedAgent(stackPolicy());
  editor = await orgCaller(agent, 'EDITOR');
  ({ id: kafkaConnectionId } = await editor.connection.create({
    orgSlug,
    connection: {
      type: 'kafka',
      name: 'stack',
      bootstrapServers: bootstrapServers.join(','),
      securityProtocol: 'PLAINTEXT',
    },
  }));
  ({ id: registryConnectionId } = await editor.connection.create({
    orgSlug,
    connection: {
      type: 'schema-registry',
      name: 'stack-registry',
      url: process.env.FLOE_SCHEMA_REGISTRY_URL as string,
    },
  }));
  // Online, as its heartbeat makes it.
  agent.events.report({ type: 'heartbeat', agentVersion: 'test', runningPipelines: [] });
  await agent.events.flush();
}, 60_000);

/** Asks through the API, and polls the API for the answer, as the wizard does. */
async function describe_(sample?: { topic: string; records: number }) {
  const { jobId } = await editor.discovery.describeKafka({
    orgSlug,
    kafkaConnectionId,
    ...(sample && { sample: { ...sample, valueFormat: 'json', keyFormat: 'string' } }),
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await editor.discovery.kafkaResult({ orgSlug, jobId });
    if (answer.state !== 'waiting' || Date.now() > deadline) return { ...answer, jobId };
    await new Promise((r) => setTimeout(r, 200));
  }
}

afterAll(async () => {
  await agent?.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, `${topic}-registered`] }).catch(() => {});
  await admin.disconnect();
});

const field = (fields: DiscoveredField[], ...path: string[]) =>
  fields.find((f) => f.path.join('.') === path.join('.'));

describe('kafka.describe', () => {
  it('lists topics and summarizes a sample, and no value of it leaves the agent', async () => {
    const answer = await describe_({ topic, records: 100 });
    expect(answer).toMatchObject({ state: 'succeeded', message: null });
    const description = answer.description as NonNullable<typeof answer.description>;

    const listed = description.topics.find((t) => t.name === topic);
    expect(listed).toMatchObject({
      partitions: 2,
      retentionMs: '86400000',
      cleanupPolicy: 'delete',
      approximateRecords: RECORDS,
    });
    expect(listed?.recordsPerSecond).toBeCloseTo(RECORDS / 3600, 6);
    expect(description.topics.some((t) => t.name.startsWith('__'))).toBe(false);

    const sample = description.sample;
    expect(sample).toMatchObject({ topic, sampled: RECORDS, rejected: 0, registry: null });
    const fields = sample?.fields ?? [];
    expect(field(fields, 'order_id')).toMatchObject({
      type: 'string',
      presentRatio: 1,
      nullRatio: 0,
      unique: true,
      matchesRecordKey: true,
      timestamp: null,
    });
    expect(field(fields, 'ordered_at')).toMatchObject({ type: 'string', timestamp: 'iso8601' });
    expect(field(fields, 'event_time')).toMatchObject({ type: 'long', timestamp: 'epoch-ms' });
    expect(field(fields, 'amount')).toMatchObject({ type: 'double', unique: true, matchesRecordKey: false });
    expect(field(fields, 'gift')).toMatchObject({ type: 'boolean', presentRatio: 0.25, nullRatio: 0 });
    expect(field(fields, 'customer')).toMatchObject({ type: 'struct' });
    expect(field(fields, 'customer', 'id')).toMatchObject({ type: 'long', unique: false });
    expect(field(fields, 'customer', 'email')).toMatchObject({ type: 'string' });
    // All-null fields have no type to take (as in the table), and the canary-named one is not listed.
    expect(field(fields, 'coupon')).toBeUndefined();
    expect(field(fields, 'tags')).toMatchObject({ type: 'struct' });
    expect(fields.some((f) => f.path[0] === 'tags' && f.path.length > 1)).toBe(false);
    expect(sample?.omittedFields).toBe(1);

    // Another organization's editor, given the job id, gets no answer.
    const stranger = await orgCaller(agent, 'EDITOR', 'globex');
    expect(await stranger.discovery.kafkaResult({ orgSlug: 'globex', jobId: answer.jobId })).toEqual({
      state: 'waiting',
      description: null,
      message: null,
    });

    // The canary: not in the API's answer, nor anything the control plane received, stored or queued,
    // nor in the agent's log.
    expect(JSON.stringify(answer)).not.toContain(canary);
    expect(JSON.stringify(agent.received)).not.toContain(canary);
    expect(await agent.postgresDump()).not.toContain(canary);
    expect(await agent.redisDump()).not.toContain(canary);
    expect(agent.logs.join('\n')).not.toContain(canary);
    // The discovery consumer group is gone: it never committed, and nothing is left behind.
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.listGroups();
    await admin.disconnect();
    expect(groups.some((g) => g.groupId.startsWith('floe-discovery-'))).toBe(false);
  }, 90_000);

  it('names the registry subject and version of a registry format, and types fields by its schema', async () => {
    const registered = `${topic}-registered`;
    const registry = new SchemaRegistry({ url: process.env.FLOE_SCHEMA_REGISTRY_URL as string });
    const schema = {
      type: 'object',
      properties: { id: { type: 'integer' }, at: { type: 'string', format: 'date-time' } },
      required: ['id'],
    };
    const schemaId = await registry.register(`${registered}-value`, {
      schema: JSON.stringify(schema),
      schemaType: 'JSON',
    });
    // The registry's wire format: magic byte 0, the schema id (4 bytes, big-endian), then the JSON.
    const wire = (value: object) => {
      const header = Buffer.alloc(5);
      header.writeUInt32BE(schemaId, 1);
      return Buffer.concat([header, Buffer.from(JSON.stringify(value))]);
    };
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: registered,
      messages: [1, 2, 3].map((id) => ({ value: wire({ id, at: `2026-01-0${id}T00:00:00Z` }) })),
    });
    await producer.disconnect();
    const { jobId } = await editor.discovery.describeKafka({
      orgSlug,
      kafkaConnectionId,
      sample: { topic: registered, valueFormat: 'json-schema', keyFormat: 'none', registryConnectionId },
    });
    let answer = await editor.discovery.kafkaResult({ orgSlug, jobId });
    for (let tries = 0; answer.state === 'waiting' && tries < 300; tries++) {
      await new Promise((r) => setTimeout(r, 200));
      answer = await editor.discovery.kafkaResult({ orgSlug, jobId });
    }
    const sample = answer.description?.sample;
    expect(sample?.registry).toEqual({ subject: `${registered}-value`, version: 1, schemaId });
    expect(field(sample?.fields ?? [], 'id')).toMatchObject({ type: 'long', presentRatio: 1 });
    expect(field(sample?.fields ?? [], 'at')).toMatchObject({ type: 'timestamptz', timestamp: 'native' });
  }, 90_000);

  it('fails in words for a topic that does not exist', async () => {
    expect(await describe_({ topic: `missing-${run}`, records: 10 })).toMatchObject({
      state: 'failed',
      description: null,
      message: `the topic missing-${run} does not exist`,
    });
  }, 90_000);

  it('is for editors of the organization only', async () => {
    const viewer = await orgCaller(agent, 'VIEWER');
    await expect(viewer.discovery.describeKafka({ orgSlug, kafkaConnectionId })).rejects.toThrow(
      /editor role/,
    );
    await expect(editor.discovery.describeKafka({ orgSlug: 'other', kafkaConnectionId })).rejects.toThrow(
      /no organization/,
    );
  });
});
