import { z } from 'zod';
import { looksLikeRawSecret, secretRefSchema } from './secret-ref';

// A plain name that is not a secret (user names, topic names, ARNs and ids are not secrets).
const notASecret = (field: string) =>
  z.string().refine((v) => looksLikeRawSecret(v) === null, {
    message: `${field} looks like a secret value: store the secret in your account and give a reference`,
  });

/** SASL with a user name and a password (a reference: the agent reads the password where it runs). */
const saslPasswordSchema = z.object({
  mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
  username: notASecret('username'),
  password: secretRefSchema,
});

/**
 * AWS MSK's IAM authentication: SASL OAUTHBEARER with a token the agent signs (SigV4) with the AWS
 * credentials its pipeline acts with, for the cluster's region. No secret in the spec at all.
 */
const saslMskIamSchema = z.object({
  mechanism: z.literal('AWS_MSK_IAM'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region, like eu-west-1'),
});

/**
 * TLS beyond the system's trust store: the CA that signed the brokers' certificates, and for mTLS
 * the client certificate and its key (PEM, each a reference the agent resolves).
 */
const kafkaTlsSchema = z
  .object({
    ca: secretRefSchema.optional(),
    clientCert: secretRefSchema.optional(),
    clientKey: secretRefSchema.optional(),
  })
  .refine((t) => (t.clientCert === undefined) === (t.clientKey === undefined), {
    message: 'a client certificate and its key go together',
    path: ['clientKey'],
  });

export const kafkaSourceSchema = z.object({
  bootstrapServers: z.array(z.string().regex(/^[\w.-]+:\d{1,5}$/, 'host:port')).min(1, 'at least one broker'),
  security: z
    .object({
      protocol: z.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']),
      sasl: z.discriminatedUnion('mechanism', [saslPasswordSchema, saslMskIamSchema]).optional(),
      tls: kafkaTlsSchema.optional(),
    })
    .refine((s) => !s.protocol.startsWith('SASL') || s.sasl, {
      message: 'SASL protocols need sasl settings',
      path: ['sasl'],
    })
    .refine((s) => s.tls === undefined || s.protocol.endsWith('SSL'), {
      message: 'TLS settings need the SSL or SASL_SSL protocol',
      path: ['tls'],
    })
    .refine((s) => s.sasl?.mechanism !== 'AWS_MSK_IAM' || s.protocol === 'SASL_SSL', {
      message: 'MSK IAM authentication runs over SASL_SSL',
      path: ['protocol'],
    })
    .default({ protocol: 'PLAINTEXT' }),
  topics: z.array(z.string().regex(/^[\w.-]{1,249}$/, 'a Kafka topic name')).min(1, 'at least one topic'),
  startFrom: z
    .union([z.enum(['earliest', 'latest']), z.object({ timestampMs: z.number().int().nonnegative() })])
    .default('earliest'),
});

export const schemaRegistrySchema = z.object({
  url: z.url(),
  username: notASecret('username').optional(),
  password: secretRefSchema.optional(),
});

export const formatSchema = z.object({
  value: z.enum(['json', 'json-schema', 'avro', 'protobuf']),
  key: z.enum(['none', 'string', 'json', 'avro']).default('string'),
  schemaRegistry: schemaRegistrySchema.optional(),
});

// An OAuth2 scope: space-separated tokens of printable ASCII but '"' and '\\' (RFC 6749, 3.3).
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/**
 * How a REST catalog authenticates when a bearer token (`credential`) is not the way: OAuth2 client
 * credentials (Polaris, Unity Catalog, Snowflake Open Catalog; the scope asked for, e.g.
 * PRINCIPAL_ROLE:ALL), or AWS SigV4 with the pipeline's AWS role (the Glue Iceberg REST endpoint,
 * signing name glue; S3 Tables, s3tables).
 */
export const restCatalogAuthSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('oauth2'),
    clientId: notASecret('clientId').pipe(z.string().min(1).max(200)),
    clientSecret: secretRefSchema,
    scope: z.string().max(1000).regex(SCOPE, 'OAuth2 scopes separated by single spaces').optional(),
    /** The token endpoint, when not the catalog's own /v1/oauth/tokens. */
    tokenUri: z.url().optional(),
  }),
  z.object({
    type: z.literal('sigv4'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region, like eu-west-1'),
    signingName: z.enum(['glue', 's3tables']),
  }),
]);

// thrift://host:port, the port always written: what the agent's policy allows is host:port.
const HIVE_URI = /^thrift:\/\/[\w-]+(\.[\w-]+)*:\d{1,5}$/;

export const catalogSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('rest'),
      uri: z.url(),
      warehouse: z.string().min(1),
      /** A bearer token. */
      credential: secretRefSchema.optional(),
      auth: restCatalogAuthSchema.optional(),
    })
    .refine((c) => c.credential === undefined || c.auth === undefined, {
      message: `a bearer token (credential) or another way to authenticate (auth), not both`,
      path: ['auth'],
    }),
  z.object({
    type: z.literal('glue'),
    region: z.string().min(1),
    catalogId: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
  }),
  z.object({
    type: z.literal('hive'),
    /** The Hive Metastore's Thrift endpoint (4.0 or newer: older ones do not check commits). */
    uri: z
      .string()
      .regex(
        HIVE_URI,
        'uri must be the metastore as thrift://host:port, like thrift://metastore.internal:9083',
      ),
  }),
]);

export const storageSchema = z.object({
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
  prefix: z.string().default(''),
  region: z.string().min(1),
  endpoint: z.url().optional(),
  roleArn: z
    .string()
    .regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN')
    .optional(),
  externalId: z.string().min(2).optional(),
});

/** A partition field: a source column and an Iceberg transform (`identity`, `day`, `bucket[16]`, ...). */
export const partitionFieldSchema = z.object({
  source: z.string().min(1),
  transform: z
    .string()
    .regex(/^(identity|year|month|day|hour|void|bucket\[\d+\]|truncate\[\d+\])$/, 'an Iceberg transform'),
});

export const timestampFieldSchema = z.object({
  field: z.string().min(1),
  format: z.enum(['epoch-s', 'epoch-ms', 'epoch-us', 'iso8601']),
});

/**
 * How an upsert or CDC table represents updated and deleted rows. `deletion-vectors` (the default for
 * new tables): an Iceberg format v3 table, one deletion vector (a Puffin blob) per data file.
 * `position-deletes`: a format v2 table with Parquet position delete files, for readers without v3.
 * pyiceberg (0.10 on) and Iceberg Java (1.8 on, so Spark and Flink with it) read both; engines without
 * v3 read position deletes only. `equality-deletes` (never the default): a format v2 table whose
 * updates and deletes are equality delete files on the key, for engines that read them (Iceberg Java,
 * Spark, Flink, Trino); pyiceberg cannot read such a table (0.12 refuses the scan), and Floe does
 * not compact it. Chosen when the table is created; an existing table keeps
 * its format.
 */
export const CHANGE_DELETES = ['deletion-vectors', 'position-deletes', 'equality-deletes'] as const;
export const changeDeletesSchema = z
  .enum(CHANGE_DELETES, {
    error: () => `changes.deletes must be one of ${CHANGE_DELETES.join(', ')}`,
  })
  .default('deletion-vectors');
export type ChangeDeletes = (typeof CHANGE_DELETES)[number];

export const pipelineSpecSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1).max(80),
  version: z.number().int().positive(),
  source: kafkaSourceSchema,
  format: formatSchema,
  table: z.object({
    catalog: catalogSchema,
    namespace: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits and _')).min(1),
    name: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits and _'),
    partitionBy: z.array(partitionFieldSchema).default([]),
    storage: storageSchema,
  }),
  mapping: z
    .object({
      kafkaMetadata: z.boolean().default(true),
      select: z.array(z.string()).optional(),
      rename: z.record(z.string(), z.string()).default({}),
      timestamps: z.array(timestampFieldSchema).default([]),
    })
    .default({ kafkaMetadata: true, rename: {}, timestamps: [] }),
  schemaPolicy: z.enum(['evolve', 'strict', 'ignore-new-fields']).default('evolve'),
  /**
   * How records change the table. `append`: every record is a new row. `upsert`: the latest record per
   * key is the row, a tombstone (null value) deletes the key. `cdc`: Debezium change events in JSON,
   * or in JSON Schema or Avro through the registry (`op` c/r/u insert or update the `after` image, whose
   * record schema is the table's, d deletes the `before` key; registry formats run on the portable engine). The key is made of
   * named top-level value columns (they become the table's identifier fields); a tombstone's key is
   * read from the Kafka key (a JSON object with those fields, or for one field the key's text).
   * Updates and deletes are written as `deletes` says (see changeDeletes).
   */
  changes: z
    .discriminatedUnion('mode', [
      z.object({ mode: z.literal('append') }),
      z.object({
        mode: z.enum(['upsert', 'cdc']),
        key: z.array(z.string().min(1).max(255)).min(1, 'at least one key field').max(8),
        deletes: changeDeletesSchema,
      }),
    ])
    .default({ mode: 'append' }),
  /**
   * The ingest engine: `native` (Rust, where the agent has it built and the pipeline's format is
   * schemaless JSON), `portable` (TypeScript, everywhere), or `auto`: native where it can run, else
   * portable, and the agent says which and why.
   */
  engine: z.enum(['auto', 'portable', 'native']).default('auto'),
  /**
   * The Kafka client that fetches: `kafkajs` (everywhere; the engines read its fetched record batches
   * in place), `librdkafka` (built into the native engine; not with MSK IAM), or `auto`, today kafkajs,
   * which costs less CPU per record (see packages/ingest/src/pipeline/open-pipeline.ts chooseConsumer).
   * The agent logs which and why. kafkajs and librdkafka members can share one group.
   */
  consumer: z.enum(['auto', 'kafkajs', 'librdkafka']).default('auto'),
  commit: z
    .object({
      intervalSeconds: z.number().int().min(1).max(3600).default(10),
      targetFileSizeBytes: z
        .number()
        .int()
        .min(1 << 20)
        .default(128 * 1024 * 1024),
      /**
       * Who commits when the pipeline's consumer group has several members (an agent pool). `auto`: one
       * committer per pipeline (the member reading partition 0 of the first topic) commits every
       * member's files in one snapshot per interval, handed over through the control topic
       * `floe-control-<pipeline id>`; a member alone in the group, and an upsert or CDC pipeline, commits
       * for itself. `per-member`: every member commits its own partitions (one snapshot per member per
       * interval, no control topic).
       */
      mode: z.enum(['auto', 'per-member'], { error: 'commit.mode is auto or per-member' }).default('auto'),
    })
    .default({ intervalSeconds: 10, targetFileSizeBytes: 128 * 1024 * 1024, mode: 'auto' }),
  /**
   * Fan-out: each record goes to the table its field value or header names (as the Iceberg Kafka
   * Connect sink's route field does); a record no route names goes to `table.name`. Every routed table
   * lives beside `table.name` (same catalog, namespace, storage and partitioning).
   */
  routing: z
    .object({
      field: z.string().min(1).optional(),
      header: z.string().min(1).optional(),
      routes: z
        .record(z.string(), z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits and _'))
        .refine((r) => Object.keys(r).length > 0, { message: 'at least one route' }),
    })
    .refine((r) => (r.field === undefined) !== (r.header === undefined), {
      message: 'route by a field or by a header (one of them)',
      path: ['field'],
    })
    .optional(),
  deadLetter: z
    .object({
      policy: z.enum(['dlq', 'skip', 'pause']).default('dlq'),
      topic: z
        .string()
        .regex(/^[\w.-]{1,249}$/)
        .optional(),
    })
    .refine((d) => d.policy !== 'dlq' || d.topic, {
      message: 'the dlq policy needs a dead-letter topic',
      path: ['topic'],
    })
    .default({ policy: 'pause' }),
});

export type PipelineSpec = z.infer<typeof pipelineSpecSchema>;
export type PipelineSpecInput = z.input<typeof pipelineSpecSchema>;

/**
 * Why a pipeline's table cannot be backfilled, if it cannot: the rule the control plane shows and the
 * agent enforces. A backfill rebuilds a branch by appending records; a keyed table's records are
 * changes applied per key, which a branch built that way would hold as every version of every row.
 */
export function backfillRefusal(spec: PipelineSpec): string | undefined {
  if (spec.routing !== undefined)
    return 'a pipeline that routes records to several tables is not backfilled yet';
  if (spec.changes.mode !== 'append')
    return `a ${spec.changes.mode} pipeline is not backfilled yet (changes.mode): its records are changes applied per key, and a branch rebuilt by appending them would hold every version of every row`;
  return undefined;
}
