import { z } from 'zod';
import { connectionSchema } from './connection';
import { formatSchema } from './pipeline-spec';
import { looksLikeRawSecret } from './secret-ref';

// What `kafka.describe` brings back is metadata only, and its schema is what makes that so: numbers,
// booleans, enums, and only three kinds of name (topic, field, registry subject), each by a strict
// pattern and length. No record key, value or header has anywhere to go.

export const DISCOVERY_LIMITS = {
  topics: 1000,
  fields: 500,
  fieldNameLength: 64,
  fieldDepth: 8,
  sampleRecords: 1000,
} as const;

const topicName = z.string().regex(/^[\w.-]{1,249}$/, 'a Kafka topic name');
const int64 = z.string().regex(/^-?\d{1,19}$/, 'a 64-bit integer as a decimal string');
const ratio = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

/** A field name as discovery reports it: identifier-like, short, and not shaped like a credential. */
export const FIELD_NAME = new RegExp(`^[A-Za-z_$@][\\w$@-]{0,${DISCOVERY_LIMITS.fieldNameLength - 1}}$`);
export const isReportableFieldName = (name: string) =>
  FIELD_NAME.test(name) && looksLikeRawSecret(name) === null;
const fieldName = z
  .string()
  .max(DISCOVERY_LIMITS.fieldNameLength)
  .refine(isReportableFieldName, 'a short identifier-like field name');

/** An Iceberg type as discovery names it: a primitive in full, a nested type by its kind. */
export const discoveredTypeSchema = z.union([
  z.enum([
    'boolean',
    'int',
    'long',
    'float',
    'double',
    'date',
    'time',
    'timestamp',
    'timestamptz',
    'timestamp_ns',
    'timestamptz_ns',
    'string',
    'uuid',
    'binary',
    'struct',
    'list',
    'map',
  ]),
  z.string().regex(/^decimal\(\d{1,2},\d{1,2}\)$/),
  z.string().regex(/^fixed\[\d{1,7}\]$/),
]);

/** How a field's values read as a time: a native timestamp type, or a string or number to convert. */
export const timestampHintSchema = z.enum(['native', 'iso8601', 'epoch-s', 'epoch-ms', 'epoch-us']);

export const discoveredFieldSchema = z.object({
  /** Names from the top-level field down (a struct's fields are listed after it). */
  path: z.array(fieldName).min(1).max(DISCOVERY_LIMITS.fieldDepth),
  type: discoveredTypeSchema,
  /** A list's element type, a map's value type; null otherwise. */
  elementType: discoveredTypeSchema.nullable(),
  /** Of the records sampled, the share whose value has this field, and the share where it is null. */
  presentRatio: ratio,
  nullRatio: ratio,
  timestamp: timestampHintSchema.nullable(),
  /** Every non-null sampled value differs from the others: an id, maybe a key. */
  unique: z.boolean(),
  /** The field's value is the Kafka record key in (almost) every sampled record that has one. */
  matchesRecordKey: z.boolean(),
});

export const discoveredTopicSchema = z.object({
  name: topicName,
  partitions: count,
  retentionMs: int64.nullable(),
  cleanupPolicy: z.enum(['delete', 'compact', 'compact,delete']).nullable(),
  /** Records between the partitions' start and end offsets (compacted topics hold fewer). */
  approximateRecords: count,
  /** Records appended over the last hour, per second; null when the broker does not say. */
  recordsPerSecond: z.number().nonnegative().nullable(),
});

export const topicSampleSchema = z.object({
  topic: topicName,
  valueFormat: formatSchema.shape.value,
  requested: count,
  sampled: count,
  /** Sampled records the format could not decode (they would go to the dead letters). */
  rejected: count,
  averageValueBytes: z.number().nonnegative(),
  /** The registry schema the newest sampled record named, when the format uses one. */
  registry: z
    .object({
      subject: z.string().regex(/^[\w.:-]{1,255}$/),
      version: count,
      schemaId: count,
    })
    .nullable(),
  fields: z.array(discoveredFieldSchema).max(DISCOVERY_LIMITS.fields),
  /** Fields not listed: past the limits, or named like data (a map keyed by ids, a name that looks secret). */
  omittedFields: count,
});

export const kafkaDescriptionSchema = z.object({
  topics: z.array(discoveredTopicSchema).max(DISCOVERY_LIMITS.topics),
  /** More topics exist than are listed. */
  truncated: z.boolean(),
  sample: topicSampleSchema.nullable(),
});

const kafkaConnection = connectionSchema.options[0].shape.kafka;

export const kafkaDescribeJobSchema = z.object({
  kind: z.literal('kafka.describe'),
  kafka: kafkaConnection,
  /** One topic to sample inside the account; its records never leave it, only their shape. */
  sample: z
    .object({
      topic: topicName,
      format: formatSchema,
      records: z.number().int().min(1).max(DISCOVERY_LIMITS.sampleRecords).default(200),
    })
    .optional(),
});

export type KafkaDescription = z.infer<typeof kafkaDescriptionSchema>;
export type DiscoveredField = z.infer<typeof discoveredFieldSchema>;
export type DiscoveredTopic = z.infer<typeof discoveredTopicSchema>;
export type TopicSample = z.infer<typeof topicSampleSchema>;
export type KafkaDescribeJob = z.infer<typeof kafkaDescribeJobSchema>;
