import { describe, expect, it } from 'vitest';
import {
  parseTimestampFields,
  pipelineWizardSchema,
  policyStep,
  proposedDeadLetterTopic,
  tableStep,
} from './schemas';

const policies = {
  schemaPolicy: 'evolve',
  engine: 'auto',
  commitIntervalSeconds: '10',
  deadLetterPolicy: 'dlq',
  deadLetterTopic: 'orders.dlq',
};
const messagesOf = (result: { error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (result.error?.issues ?? []).map((i) => `${String(i.path[0])}: ${i.message}`);

describe('the Kafka client in the pipeline wizard', () => {
  it('is auto unless chosen, and a wrong one is named on its field', () => {
    expect(policyStep.parse(policies).consumer).toBe('auto');
    expect(policyStep.parse({ ...policies, consumer: 'librdkafka' }).consumer).toBe('librdkafka');
    expect(messagesOf(policyStep.safeParse({ ...policies, consumer: 'rdkafka' }))).toEqual([
      'consumer: the Kafka client is auto, librdkafka or kafkajs',
    ]);
  });
});

describe('the dead-letter topic in the pipeline wizard', () => {
  it('is proposed from the first topic', () => {
    expect(proposedDeadLetterTopic('orders')).toBe('orders.dlq');
    expect(proposedDeadLetterTopic(' orders.v1, payments ')).toBe('orders.v1.dlq');
    expect(proposedDeadLetterTopic('')).toBe('');
  });

  it('is needed by the dlq policy, on the policies step itself', () => {
    expect(messagesOf(policyStep.safeParse(policies))).toEqual([]);
    expect(messagesOf(policyStep.safeParse({ ...policies, deadLetterTopic: ' ' }))).toEqual([
      'deadLetterTopic: the dlq policy needs a dead-letter topic',
    ]);
    expect(
      messagesOf(policyStep.safeParse({ ...policies, deadLetterPolicy: 'skip', deadLetterTopic: '' })),
    ).toEqual([]);
    expect(messagesOf(policyStep.safeParse({ ...policies, deadLetterTopic: 'bad topic' }))).toEqual([
      'deadLetterTopic: a topic name is letters, digits, . _ and - (at most 249)',
    ]);
  });

  it('is checked by the whole wizard the same way, and may not be a topic the pipeline reads', () => {
    const whole = {
      name: 'orders',
      agentId: 'ag-1',
      kafkaConnectionId: 'c-1',
      topics: 'orders, payments',
      startFrom: 'earliest',
      valueFormat: 'json',
      keyFormat: 'string',
      catalogConnectionId: 'c-2',
      storageConnectionId: 'c-3',
      namespace: 'sales',
      tableName: 'orders',
      partitionBy: '',
      ...policies,
    };
    expect(messagesOf(pipelineWizardSchema.safeParse(whole))).toEqual([]);
    expect(messagesOf(pipelineWizardSchema.safeParse({ ...whole, deadLetterTopic: '' }))).toEqual([
      'deadLetterTopic: the dlq policy needs a dead-letter topic',
    ]);
    expect(messagesOf(pipelineWizardSchema.safeParse({ ...whole, deadLetterTopic: 'payments' }))).toEqual([
      'deadLetterTopic: the dead-letter topic must not be one of the topics the pipeline reads',
    ]);
  });
});

describe('timestamp fields in the pipeline wizard', () => {
  const table = {
    catalogConnectionId: 'c',
    storageConnectionId: 's',
    namespace: 'demo',
    tableName: 'orders',
    partitionBy: '',
  };

  it('become the spec mapping: field:format, separated by commas, none when empty', () => {
    expect(parseTimestampFields(' ordered_at:iso8601, created : epoch-ms ')).toEqual([
      { field: 'ordered_at', format: 'iso8601' },
      { field: 'created', format: 'epoch-ms' },
    ]);
    expect(parseTimestampFields('')).toEqual([]);
  });

  it('name a bad entry on the field, with the formats there are', () => {
    expect(messagesOf(tableStep.safeParse({ ...table, timestampFields: 'ordered_at:iso8601' }))).toEqual([]);
    expect(messagesOf(tableStep.safeParse(table))).toEqual([]);
    expect(messagesOf(tableStep.safeParse({ ...table, timestampFields: 'ordered_at, at:epoch-ns' }))).toEqual(
      [
        'timestampFields: "ordered_at" is not field:format, e.g. ordered_at:iso8601 (formats: epoch-s, epoch-ms, epoch-us, iso8601)',
      ],
    );
  });
});

describe('the table mode and key fields in the pipeline wizard', () => {
  it('upsert and cdc need key fields, append takes none', () => {
    expect(
      messagesOf(policyStep.safeParse({ ...policies, changesMode: 'upsert', keyFields: 'id, region' })),
    ).toEqual([]);
    expect(messagesOf(policyStep.safeParse({ ...policies, changesMode: 'cdc', keyFields: ' ' }))).toEqual([
      'keyFields: cdc needs the key fields (the columns that identify a row)',
    ]);
    expect(
      messagesOf(policyStep.safeParse({ ...policies, changesMode: 'upsert', keyFields: 'id, 1x' })),
    ).toEqual(['keyFields: 1x is not a column name']);
    expect(messagesOf(policyStep.safeParse({ ...policies, keyFields: 'id' }))).toEqual([
      'keyFields: key fields are for upsert and cdc tables',
    ]);
  });

  it('updates and deletes are kept as deletion vectors or position deletes, nothing else', () => {
    const upsert = { ...policies, changesMode: 'upsert', keyFields: 'id' };
    expect(messagesOf(policyStep.safeParse({ ...upsert, changeDeletes: 'position-deletes' }))).toEqual([]);
    expect(messagesOf(policyStep.safeParse({ ...upsert, changeDeletes: 'copy-on-write' }))).toEqual([
      'changeDeletes: one of deletion-vectors, position-deletes, equality-deletes',
    ]);
  });

  it('cdc reads change events in JSON, JSON Schema or Avro', () => {
    const whole = {
      name: 'customers',
      agentId: 'ag-1',
      kafkaConnectionId: 'c-1',
      registryConnectionId: 'c-4',
      topics: 'dbserver1.inventory.customers',
      startFrom: 'earliest',
      valueFormat: 'avro',
      keyFormat: 'string',
      catalogConnectionId: 'c-2',
      storageConnectionId: 'c-3',
      namespace: 'sales',
      tableName: 'customers',
      partitionBy: '',
      ...policies,
      changesMode: 'cdc',
      keyFields: 'id',
    };
    for (const valueFormat of ['avro', 'json-schema', 'json']) {
      expect(messagesOf(pipelineWizardSchema.safeParse({ ...whole, valueFormat }))).toEqual([]);
    }
    expect(messagesOf(pipelineWizardSchema.safeParse({ ...whole, valueFormat: 'protobuf' }))).toEqual([
      'changesMode: cdc reads Debezium events in JSON, JSON Schema or Avro: choose one of those value formats',
    ]);
    // Equality deletes name key values only: the partitions must come from the key.
    const equality = { ...whole, valueFormat: 'json', changeDeletes: 'equality-deletes' };
    expect(messagesOf(pipelineWizardSchema.safeParse({ ...equality, partitionBy: 'bucket[8](id)' }))).toEqual(
      [],
    );
    expect(
      messagesOf(pipelineWizardSchema.safeParse({ ...equality, partitionBy: 'day(created_at)' })),
    ).toEqual([
      'changeDeletes: equality deletes need a table partitioned by key fields only: created_at is not a key field',
    ]);
  });
});
