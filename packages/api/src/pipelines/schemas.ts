// The pipeline wizard's fields, one schema per step so each step is checked before the next.
// No server-only imports: the browser uses this too.
import { CHANGE_DELETES, partitionFieldSchema, timestampFieldSchema } from '@floe/protocol';
import { z } from 'zod';

const ID_MAX = 100;
const required = (what: string) =>
  z.string().trim().min(1, `choose ${what}`).max(ID_MAX, `at most ${ID_MAX} characters`);
const optionalId = z.string().trim().max(ID_MAX, `at most ${ID_MAX} characters`).optional();
const identifier = z
  .string()
  .trim()
  .max(128, 'at most 128 characters')
  .regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits and _, starting with a letter');

const TOPIC_NAME = /^[\w.-]{1,249}$/;

/** The topics field's names, as the pipeline spec lists them. */
export const topicNames = (topics: string) => topics.split(/[\s,]+/).filter(Boolean);

/** The dead-letter topic the wizard proposes: the first topic's name with `.dlq`, e.g. orders.dlq. */
export const proposedDeadLetterTopic = (topics: string) => {
  const first = topicNames(topics)[0];
  return first === undefined ? '' : `${first}.dlq`;
};

export const sourceStep = z.object({
  name: z.string().trim().min(2, 'at least 2 characters').max(80, 'at most 80 characters'),
  // An agent's id, or a pool's (ap-…): every online member of the pool runs it.
  agentId: required('the agent or pool that runs it'),
  kafkaConnectionId: required('a Kafka connection'),
  topics: z
    .string()
    .trim()
    .min(1, 'enter at least one topic')
    .max(10_000, 'at most 10,000 characters')
    .refine(
      (t) => topicNames(t).every((name) => TOPIC_NAME.test(name)),
      'topic names are letters, digits, . _ and -',
    ),
  startFrom: z.enum(['earliest', 'latest']),
});

export const formatStep = z.object({
  valueFormat: z.enum(['json', 'json-schema', 'avro', 'protobuf']),
  keyFormat: z.enum(['none', 'string', 'json', 'avro']),
  registryConnectionId: optionalId,
});

/** `day(event_ts), bucket[16](user_id)` → partition fields, or a message naming the part that is wrong. */
export function parsePartitionBy(text: string) {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return parts.map((part) => {
    const match = part.match(/^([a-z]+(?:\[\d+\])?)\(([A-Za-z_][\w.]*)\)$/);
    const parsed = match && partitionFieldSchema.safeParse({ transform: match[1], source: match[2] });
    if (!parsed?.success)
      throw new Error(`"${part}" is not transform(column), e.g. day(event_ts) or bucket[16](user_id)`);
    return parsed.data;
  });
}

const TIMESTAMP_FORMATS = timestampFieldSchema.shape.format.options;

/**
 * The record fields to store as timestamptz, `field:format` separated by commas (e.g.
 * `ordered_at:iso8601, created:epoch-ms`), as the pipeline spec's mapping.timestamps holds them.
 */
export function parseTimestampFields(text: string) {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return parts.map((part) => {
    const [field = '', format = ''] = part.split(':').map((p) => p.trim());
    const parsed = timestampFieldSchema.safeParse({ field, format });
    if (!parsed.success)
      throw new Error(
        `"${part}" is not field:format, e.g. ordered_at:iso8601 (formats: ${TIMESTAMP_FORMATS.join(', ')})`,
      );
    return parsed.data;
  });
}

/** Partition fields as the wizard and the backfill form take them: `day(event_ts), bucket[16](user_id)`. */
export const partitionByText = z
  .string()
  .trim()
  .max(1000, 'at most 1000 characters')
  .superRefine((text, ctx) => {
    try {
      parsePartitionBy(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

export const tableStep = z.object({
  catalogConnectionId: required('a catalog connection'),
  storageConnectionId: required('a storage connection'),
  roleConnectionId: optionalId,
  namespace: z
    .string()
    .trim()
    .max(255, 'at most 255 characters')
    .refine(
      (n) => n.split('.').every((part) => identifier.safeParse(part).success),
      'lowercase names separated by dots',
    ),
  tableName: identifier,
  partitionBy: partitionByText,
  timestampFields: z
    .string()
    .trim()
    .max(2000, 'at most 2000 characters')
    .optional()
    .superRefine((text, ctx) => {
      try {
        parseTimestampFields(text ?? '');
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
});

const policyFields = {
  schemaPolicy: z.enum(['evolve', 'strict', 'ignore-new-fields']),
  engine: z.enum(['auto', 'portable', 'native']).default('auto'),
  consumer: z
    .enum(['auto', 'librdkafka', 'kafkajs'], {
      error: () => 'the Kafka client is auto, librdkafka or kafkajs',
    })
    .default('auto'),
  commitIntervalSeconds: z.coerce
    .number({ message: 'a whole number of seconds' })
    .int('a whole number of seconds')
    .min(1, 'at least 1 second')
    .max(3600, 'at most 3600 seconds (1 hour)'),
  deadLetterPolicy: z.enum(['dlq', 'skip', 'pause']),
  deadLetterTopic: z.string().trim().max(249, 'at most 249 characters').optional(),
  /** append (unset: append): every record a row; upsert: latest per key, tombstones delete; cdc: Debezium events (JSON, JSON Schema or Avro). */
  changesMode: z.enum(['append', 'upsert', 'cdc']).optional(),
  keyFields: z.string().trim().max(1000, 'at most 1000 characters').optional(),
  /** upsert and cdc: how updated and deleted rows are kept (unset: deletion vectors, a v3 table). */
  changeDeletes: z.enum(CHANGE_DELETES, { error: `one of ${CHANGE_DELETES.join(', ')}` }).optional(),
};

/** The key fields as the pipeline spec lists them: column names, separated by commas. */
export const keyFieldNames = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** Upsert and CDC need key columns (at most 8, each a column name); append takes none. */
function checkKeyFields(p: { changesMode?: string; keyFields?: string | undefined }, ctx: z.RefinementCtx) {
  const names = keyFieldNames(p.keyFields ?? '');
  const issue = (message: string) => ctx.addIssue({ code: 'custom', path: ['keyFields'], message });
  if (p.changesMode === undefined || p.changesMode === 'append') {
    if (names.length > 0) issue('key fields are for upsert and cdc tables');
  } else if (names.length === 0)
    issue(`${p.changesMode} needs the key fields (the columns that identify a row)`);
  else if (names.length > 8) issue('at most 8 key fields');
  else {
    const bad = names.find((n) => !/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(n));
    if (bad !== undefined) issue(`${bad} is not a column name`);
  }
}

type DeadLetterAnswers = { deadLetterPolicy: string; deadLetterTopic?: string | undefined };

/** The dead-letter rule, on the policies step and on the whole wizard alike. */
function checkDeadLetterTopic(p: DeadLetterAnswers, ctx: z.RefinementCtx) {
  const topic = p.deadLetterTopic ?? '';
  if (p.deadLetterPolicy === 'dlq' && !topic) {
    ctx.addIssue({
      code: 'custom',
      path: ['deadLetterTopic'],
      message: 'the dlq policy needs a dead-letter topic',
    });
  } else if (topic && !TOPIC_NAME.test(topic)) {
    ctx.addIssue({
      code: 'custom',
      path: ['deadLetterTopic'],
      message: 'a topic name is letters, digits, . _ and - (at most 249)',
    });
  }
}

export const policyStep = z.object(policyFields).superRefine((p, ctx) => {
  checkDeadLetterTopic(p, ctx);
  checkKeyFields(p, ctx);
});

export const WIZARD_STEPS = [
  { id: 'source', title: 'Source', schema: sourceStep },
  { id: 'format', title: 'Format', schema: formatStep },
  { id: 'table', title: 'Table', schema: tableStep },
  { id: 'policies', title: 'Policies', schema: policyStep },
] as const;

/** An equality delete names only key values: the table's partitions must come from key fields, or it has none. */
function checkEqualityPartitions(
  p: { changesMode?: string; changeDeletes?: string; keyFields?: string; partitionBy?: string },
  ctx: z.RefinementCtx,
) {
  if (p.changeDeletes !== 'equality-deletes' || p.changesMode === undefined || p.changesMode === 'append')
    return;
  let sources: string[];
  try {
    sources = parsePartitionBy(p.partitionBy ?? '').map((f) => f.source);
  } catch {
    return; // the partition field says what is wrong
  }
  const keys = new Set(keyFieldNames(p.keyFields ?? ''));
  const other = sources.find((source) => !keys.has(source));
  if (other !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['changeDeletes'],
      message: `equality deletes need a table partitioned by key fields only: ${other} is not a key field`,
    });
  }
}

export const pipelineWizardSchema = sourceStep
  .extend(formatStep.shape)
  .extend(tableStep.shape)
  .extend(policyFields)
  .superRefine((p, ctx) => {
    if (p.valueFormat !== 'json' && !p.registryConnectionId) {
      ctx.addIssue({
        code: 'custom',
        path: ['registryConnectionId'],
        message: `${p.valueFormat} needs a schema registry`,
      });
    }
    checkDeadLetterTopic(p, ctx);
    checkKeyFields(p, ctx);
    checkEqualityPartitions(p, ctx);
    if (p.changesMode === 'cdc' && p.valueFormat === 'protobuf') {
      ctx.addIssue({
        code: 'custom',
        path: ['changesMode'],
        message: 'cdc reads Debezium events in JSON, JSON Schema or Avro: choose one of those value formats',
      });
    }
    // Bad records written back to a topic the pipeline reads would come round again, and again.
    if (
      p.deadLetterPolicy === 'dlq' &&
      p.deadLetterTopic &&
      topicNames(p.topics).includes(p.deadLetterTopic)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['deadLetterTopic'],
        message: 'the dead-letter topic must not be one of the topics the pipeline reads',
      });
    }
  });

export type PipelineWizard = z.output<typeof pipelineWizardSchema>;
export type PipelineWizardInput = z.input<typeof pipelineWizardSchema>;
