import { describe, expect, it } from 'vitest';
import {
  agentEventSchema,
  agentKeyPattern,
  agentQueueName,
  backfillRefusal,
  decodeJobEnvelope,
  encodeJobEnvelope,
  formatSecretRef,
  IncompatibleJobError,
  jobSchema,
  type PipelineSpecInput,
  PROTOCOL_VERSION,
  parseSecretRef,
  pipelineSpecSchema,
} from './index';

const pipeline: PipelineSpecInput = {
  id: 'p-orders',
  name: 'orders',
  version: 3,
  source: {
    bootstrapServers: ['b-1.kafka.internal:9096'],
    security: {
      protocol: 'SASL_SSL',
      sasl: {
        mechanism: 'SCRAM-SHA-512',
        username: 'floe',
        password: { from: 'env', name: 'KAFKA_PASSWORD' },
      },
    },
    topics: ['orders.v1'],
  },
  format: { value: 'avro', schemaRegistry: { url: 'https://registry.internal/apis/ccompat/v7' } },
  table: {
    catalog: { type: 'rest', uri: 'https://catalog.internal', warehouse: 's3://lake/' },
    namespace: ['sales'],
    name: 'orders',
    partitionBy: [{ source: 'created_at', transform: 'day' }],
    storage: {
      bucket: 'lake',
      prefix: 'sales/',
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::123456789012:role/floe',
      externalId: 'x-123',
    },
  },
  deadLetter: { policy: 'dlq', topic: 'orders.v1.dlq' },
};

describe('agent queues', () => {
  it('names the queue and the ACL key pattern from the agent id', () => {
    expect(agentQueueName('prod-eu-1')).toBe('agent-prod-eu-1');
    expect(agentKeyPattern('prod-eu-1')).toBe('floe:agent-prod-eu-1:*');
  });

  it.each(['*', 'a*', 'A1', 'a?b', '', '-lead', 'a:b', 'x'.repeat(64)])('refuses the id %j', (id) => {
    expect(() => agentQueueName(id)).toThrow(/invalid agent id/);
  });
});

describe('pipeline specs', () => {
  it('accepts a full spec and fills the defaults a user did not set', () => {
    const spec = pipelineSpecSchema.parse(pipeline);
    expect(spec.commit).toEqual({ intervalSeconds: 10, targetFileSizeBytes: 134217728, mode: 'auto' });
    expect(spec.schemaPolicy).toBe('evolve');
    expect(spec.source.startFrom).toBe('earliest');
    expect(spec.mapping.kafkaMetadata).toBe(true);
  });

  it.each([
    [
      'an AWS secret key as a SASL user name',
      { username: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      'username',
    ],
    ['an AWS access key id as a user name', { username: 'AKIAIOSFODNN7EXAMPLE' }, 'username'],
  ])('refuses %s, naming the field', (_what, sasl, field) => {
    const bad = structuredClone(pipeline);
    Object.assign(bad.source.security?.sasl ?? {}, sasl);
    const result = pipelineSpecSchema.safeParse(bad);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path.at(-1)).toBe(field);
    expect(issue?.message).toContain('looks like a secret value');
  });

  it('refuses a password given as a value instead of a reference', () => {
    const bad = structuredClone(pipeline) as unknown as {
      source: { security: { sasl: { password: unknown } } };
    };
    bad.source.security.sasl.password = 'hunter2hunter2';
    expect(pipelineSpecSchema.safeParse(bad).success).toBe(false);
  });

  describe('Kafka TLS and MSK IAM', () => {
    const withSecurity = (security: unknown) =>
      pipelineSpecSchema.safeParse({ ...pipeline, source: { ...pipeline.source, security } });
    const ref = (name: string) => ({ from: 'env', name });

    it('accepts a CA and a client certificate and key as references, and MSK IAM by region', () => {
      const tls = { ca: ref('KAFKA_CA'), clientCert: ref('KAFKA_CERT'), clientKey: ref('KAFKA_KEY') };
      expect(withSecurity({ protocol: 'SSL', tls }).success).toBe(true);
      const iam = { protocol: 'SASL_SSL', sasl: { mechanism: 'AWS_MSK_IAM', region: 'eu-west-1' } };
      expect(withSecurity(iam).success).toBe(true);
    });

    it.each([
      [
        'a private key as a value',
        { protocol: 'SSL', tls: { clientCert: ref('C'), clientKey: '-----BEGIN PRIVATE KEY-----' } },
        'clientKey',
      ],
      [
        'a client certificate without its key',
        { protocol: 'SSL', tls: { clientCert: ref('C') } },
        'clientKey',
      ],
      ['TLS settings on a plaintext protocol', { protocol: 'PLAINTEXT', tls: { ca: ref('CA') } }, 'tls'],
      [
        'MSK IAM without TLS',
        { protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'AWS_MSK_IAM', region: 'eu-west-1' } },
        'protocol',
      ],
      [
        'MSK IAM without a region',
        { protocol: 'SASL_SSL', sasl: { mechanism: 'AWS_MSK_IAM', region: 'Ireland' } },
        'region',
      ],
    ])('refuses %s, naming the field', (_what, security, field) => {
      const result = withSecurity(security);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path.at(-1)).toBe(field);
    });
  });

  it('names the field of each mistake: commit interval, transform, missing DLQ topic', () => {
    const bad = {
      ...pipeline,
      commit: { intervalSeconds: 0 },
      table: { ...pipeline.table, partitionBy: [{ source: 'x', transform: 'weekly' }] },
      deadLetter: { policy: 'dlq' },
    };
    const result = pipelineSpecSchema.safeParse(bad);
    const paths = result.error?.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['commit.intervalSeconds', 'deadLetter.topic', 'table.partitionBy.0.transform']);
  });

  it('takes who commits on a pool (commit.mode) and names the key of a wrong value', () => {
    const mode = (value: string) => pipelineSpecSchema.safeParse({ ...pipeline, commit: { mode: value } });
    expect(mode('per-member').data?.commit.mode).toBe('per-member');
    expect(mode('leader').error?.issues).toEqual([
      expect.objectContaining({ path: ['commit', 'mode'], message: 'commit.mode is auto or per-member' }),
    ]);
  });
});

describe('how an upsert or cdc table keeps updated and deleted rows', () => {
  it('defaults to deletion vectors, offers position deletes, and names the field of a wrong value', () => {
    const changes = (extra: object) => ({ ...pipeline, changes: { mode: 'upsert', key: ['id'], ...extra } });
    expect(pipelineSpecSchema.parse(changes({})).changes).toMatchObject({ deletes: 'deletion-vectors' });
    expect(pipelineSpecSchema.parse(changes({ deletes: 'position-deletes' })).changes).toMatchObject({
      deletes: 'position-deletes',
    });
    expect(pipelineSpecSchema.safeParse(changes({ deletes: 'rewrite' })).error?.issues).toEqual([
      expect.objectContaining({
        path: ['changes', 'deletes'],
        message: 'changes.deletes must be one of deletion-vectors, position-deletes, equality-deletes',
      }),
    ]);
  });

  it('are not backfilled: a branch rebuilt by appending would hold every version of every row', () => {
    expect(backfillRefusal(pipelineSpecSchema.parse(pipeline))).toBeUndefined();
    for (const mode of ['upsert', 'cdc']) {
      const keyed = pipelineSpecSchema.parse({ ...pipeline, changes: { mode, key: ['id'] } });
      expect(backfillRefusal(keyed)).toMatch(
        new RegExp(`^a ${mode} pipeline is not backfilled yet \\(changes.mode\\)`),
      );
    }
  });
});

describe('job envelopes', () => {
  const envelope = (
    protocolVersion: number,
    job: unknown = { kind: 'pipeline.stop', pipelineId: 'p-1' },
  ) => ({
    protocolVersion,
    jobId: 'j-1',
    issuedAt: '2026-11-25T07:00:00.000Z',
    job,
  });

  it('round-trips a job through the wire format', () => {
    const wire = JSON.parse(
      JSON.stringify(
        encodeJobEnvelope('j-9', { kind: 'pipeline.start', pipeline: pipelineSpecSchema.parse(pipeline) }),
      ),
    );
    const decoded = decodeJobEnvelope(wire);
    expect(decoded.job.kind).toBe('pipeline.start');
  });

  it('refuses a job from a newer protocol before reading it, with an error that says to upgrade', () => {
    const future = envelope(PROTOCOL_VERSION + 1, { kind: 'pipeline.teleport' });
    expect(() => decodeJobEnvelope(future)).toThrow(IncompatibleJobError);
    expect(() => decodeJobEnvelope(future)).toThrow(/upgrade the agent/);
  });

  it("carries a connection test's role as a pipeline spec's storage names it, in a version 2 envelope", () => {
    const role = { roleArn: 'arn:aws:iam::123456789012:role/floe', externalId: 'floe-0123456789abcdef' };
    const storage = { type: 'storage', storage: { bucket: 'lake', region: 'eu-west-1' } };
    const glue = { type: 'catalog', catalog: { type: 'glue', region: 'eu-west-1' } };
    const asRole = jobSchema.parse({ kind: 'connection.test', connection: storage, ...role });
    const wire = JSON.parse(JSON.stringify(encodeJobEnvelope('j-1', asRole)));
    expect(wire).toMatchObject({ protocolVersion: 2, job: role });
    expect(decodeJobEnvelope(wire).job).toEqual(asRole);
    // A version 1 agent would drop the role and test as itself: it refuses the job instead.
    expect(() => decodeJobEnvelope(wire, 1)).toThrow(IncompatibleJobError);
    // Jobs a version 1 agent reads right still go as version 1.
    const plain = jobSchema.parse({ kind: 'connection.test', connection: storage });
    expect(encodeJobEnvelope('j-2', plain).protocolVersion).toBe(1);
    expect(encodeJobEnvelope('j-3', { kind: 'pipeline.stop', pipelineId: 'p' }).protocolVersion).toBe(1);
    expect(jobSchema.parse({ kind: 'connection.test', connection: glue, ...role })).toMatchObject(role);

    const issues = (job: object) =>
      jobSchema.safeParse({ kind: 'connection.test', ...job }).error?.issues.map((i) => i.message);
    expect(issues({ connection: storage, roleArn: role.roleArn })).toEqual([
      'a role and its external id go together: Floe never assumes a role without one',
    ]);
    expect(issues({ connection: storage, ...role, roleArn: 'floe' })).toEqual(['an IAM role ARN']);
    expect(
      issues({ connection: { type: 'kafka', kafka: { bootstrapServers: ['b:9092'] } }, ...role }),
    ).toEqual(['only a storage, Glue catalog or SigV4-signed REST catalog connection is tested as a role']);
  });

  it('sends a job whose REST catalog authenticates by OAuth2 or SigV4 in a version 5 envelope', () => {
    const sigv4 = {
      type: 'catalog',
      catalog: {
        type: 'rest',
        uri: 'https://glue.eu-west-1.amazonaws.com/iceberg',
        warehouse: '123456789012',
        auth: { type: 'sigv4', region: 'eu-west-1', signingName: 'glue' },
      },
    };
    const test = jobSchema.parse({ kind: 'connection.test', connection: sigv4 });
    expect(encodeJobEnvelope('j-1', test).protocolVersion).toBe(5);
    const start = jobSchema.parse({
      kind: 'pipeline.start',
      pipeline: { ...pipeline, table: { ...pipeline.table, catalog: sigv4.catalog } },
    });
    expect(encodeJobEnvelope('j-2', start).protocolVersion).toBe(5);
    expect(
      encodeJobEnvelope('j-3', jobSchema.parse({ kind: 'pipeline.start', pipeline })).protocolVersion,
    ).toBe(1);
  });

  it('sends rollback and tag jobs in a version 4 envelope, with tag names that are not Floe branches', () => {
    const table = pipelineSpecSchema.parse(pipeline).table;
    const tag = { kind: 'table.tag', table, name: 'before-migration', snapshotId: '9223372036854775807' };
    const wire = encodeJobEnvelope('j-4', jobSchema.parse(tag));
    expect(wire.protocolVersion).toBe(4);
    expect(() => decodeJobEnvelope(wire, 3)).toThrow(IncompatibleJobError);
    const rollback = { kind: 'table.rollback', pipeline, snapshotId: '42' };
    expect(encodeJobEnvelope('j-5', jobSchema.parse(rollback)).protocolVersion).toBe(4);
    const refused = (name: string) =>
      jobSchema.safeParse({ kind: 'table.untag', table, name }).error?.issues.map((i) => i.message);
    expect(refused('v1.2_ok-tag')).toBeUndefined();
    expect(refused('main')).toEqual(["main and names starting with backfill- are Floe's branches, not tags"]);
    expect(refused('backfill-7')).toEqual([
      "main and names starting with backfill- are Floe's branches, not tags",
    ]);
    expect(refused('-x')).toEqual(["a tag name: letters, digits, '.', '_' and '-', at most 100"]);
    expect(jobSchema.safeParse({ ...rollback, snapshotId: '1.5' }).success).toBe(false);
  });

  it('refuses an unknown kind or a malformed envelope of its own version', () => {
    expect(() => decodeJobEnvelope(envelope(PROTOCOL_VERSION, { kind: 'pipeline.teleport' }))).toThrow();
    expect(() => decodeJobEnvelope({ ...envelope(1), issuedAt: 'yesterday' })).toThrow();
  });
});

describe('agent events', () => {
  it('keeps 64-bit offsets as exact decimal strings', () => {
    const event = agentEventSchema.parse({
      type: 'commit.report',
      pipelineId: 'p',
      table: 'sales.orders',
      snapshotId: '9223372036854775807',
      committedAtMs: 1,
      records: 10,
      bytes: 100,
      dataFiles: 1,
      deadLettered: 0,
      partitions: [
        {
          topic: 't',
          partition: 0,
          committedOffset: '9007199254740993',
          logEndOffset: '9007199254740993',
          newestCommittedRecordMs: null,
        },
      ],
    });
    expect(event.type === 'commit.report' && event.partitions[0]?.committedOffset).toBe('9007199254740993');
    expect(() => agentEventSchema.parse({ ...event, snapshotId: Number('9007199254740993') })).toThrow();
  });
});

describe('secret references typed in a form', () => {
  it.each([
    ['env:KAFKA_PASSWORD', { from: 'env', name: 'KAFKA_PASSWORD' }],
    ['file:/var/run/secrets/kafka', { from: 'file', path: '/var/run/secrets/kafka' }],
    [
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-AbCdEf#password',
      {
        from: 'aws-secrets-manager',
        arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-AbCdEf',
        jsonKey: 'password',
      },
    ],
  ])('reads %s and writes it back the same', (text, ref) => {
    expect(parseSecretRef(text)).toEqual(ref);
    expect(formatSecretRef(parseSecretRef(text))).toBe(text);
  });

  it.each([
    ['AKIAIOSFODNN7EXAMPLE', /looks like an AWS access key id/],
    ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', /looks like an AWS secret access key/],
    ['hunter2', /enter a reference/],
    ['env:lower-case', /environment variable name/],
  ])('refuses %s with a message for the field', (text, message) => {
    expect(() => parseSecretRef(text)).toThrow(message);
  });
});
