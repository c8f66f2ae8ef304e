import {
  type AgentPolicyInput,
  agentPolicySchema,
  type Job,
  jobSchema,
  pipelineSpecSchema,
} from '@floe/protocol';
import { describe, expect, it } from 'vitest';
import { checkJob } from './check-job';
import type { LoadedPolicy } from './load-policy';
import { PolicyError } from './policy-error';

const rules: AgentPolicyInput = {
  kafka: { bootstrapHosts: ['b-1.kafka.internal:9092'] },
  schemaRegistry: { urls: ['https://registry.internal/apis/ccompat/v7'] },
  catalog: {
    restUris: ['https://catalog.internal/'],
    glue: [{ region: 'eu-west-1', catalogId: '123456789012' }],
    hiveMetastores: ['*.hive.internal:9083'],
  },
  storage: { locations: [{ bucket: 'acme-lake', prefix: 'floe' }] },
  aws: { roleArns: ['arn:aws:iam::123456789012:role/floe-*'] },
  secrets: {
    envPrefixes: ['FLOE_SECRET_'],
    fileFolders: ['/var/run/secrets/floe'],
    secretsManagerArns: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:floe/*'],
  },
};
const policy: LoadedPolicy = { rules: agentPolicySchema.parse(rules), file: '/etc/floe-agent/policy.yaml' };
const env = { FLOE_AGENT_STATE_DIR: '/var/lib/floe-agent' } as unknown as NodeJS.ProcessEnv;

const spec = {
  id: 'p-1',
  name: 'orders',
  version: 1,
  source: {
    bootstrapServers: ['b-1.kafka.internal:9092'],
    security: {
      protocol: 'SASL_SSL',
      sasl: { mechanism: 'PLAIN', username: 'floe', password: { from: 'env', name: 'FLOE_SECRET_KAFKA' } },
    },
    topics: ['orders'],
  },
  format: {
    value: 'avro',
    schemaRegistry: {
      url: 'https://registry.internal/apis/ccompat/v7',
      username: 'reg',
      password: { from: 'file', path: '/var/run/secrets/floe/registry' },
    },
  },
  table: {
    catalog: { type: 'rest', uri: 'https://catalog.internal/api', warehouse: 'lake' },
    namespace: ['sales'],
    name: 'orders',
    storage: {
      bucket: 'acme-lake',
      prefix: 'floe/sales',
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::123456789012:role/floe-writer',
      externalId: 'ext-0123456789abcdef',
    },
  },
};
type Spec = typeof spec;

const start = (change: (s: Spec) => void = () => {}): Job => {
  const copy = structuredClone(spec);
  change(copy);
  return jobSchema.parse({ kind: 'pipeline.start', pipeline: pipelineSpecSchema.parse(copy) });
};
const refusal = (job: Job, p: LoadedPolicy = policy) => {
  try {
    checkJob(job, p, env);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as Error).message;
  }
  return undefined;
};

describe('checking a job against the agent policy', () => {
  it('lets a pipeline through that stays inside the policy', () => {
    expect(refusal(start())).toBeUndefined();
  });

  it.each<[string, (s: Spec) => void, string]>([
    [
      'a foreign broker',
      (s) => s.source.bootstrapServers.push('evil:9092'),
      'policy: kafka host evil:9092 is not in policy.kafka.bootstrapHosts',
    ],
    [
      'a foreign registry',
      (s) => {
        s.format.schemaRegistry.url = 'https://registry.internal.evil.com/apis/ccompat/v7';
      },
      'policy: schema registry https://registry.internal.evil.com/apis/ccompat/v7 is not in policy.schemaRegistry.urls',
    ],
    [
      'a foreign catalog',
      (s) => {
        s.table.catalog.uri = 'https://catalog.evil/';
      },
      'policy: catalog https://catalog.evil/ is not in policy.catalog.restUris',
    ],
    [
      'a foreign Hive metastore',
      (s) => Object.assign(s.table, { catalog: { type: 'hive', uri: 'thrift://hms.evil:9083' } }),
      'policy: Hive metastore thrift://hms.evil:9083 is not in policy.catalog.hiveMetastores',
    ],
    [
      'a foreign S3 endpoint',
      (s) => Object.assign(s.table.storage, { endpoint: 'http://evil:9000' }),
      'policy: S3 endpoint http://evil:9000 is not the endpoint of any entry in policy.storage.locations',
    ],
    [
      'a foreign bucket',
      (s) => {
        s.table.storage.bucket = 'attacker-bucket';
      },
      "policy: bucket attacker-bucket at AWS's own S3 is not in policy.storage.locations",
    ],
    [
      'a prefix outside the allowed one',
      (s) => {
        s.table.storage.prefix = 'floe-other/sales';
      },
      'policy: prefix "floe-other/sales" of bucket acme-lake is not under a prefix policy.storage.locations allows there',
    ],
    [
      'a foreign role',
      (s) => {
        s.table.storage.roleArn = 'arn:aws:iam::999999999999:role/floe-writer';
      },
      'policy: role arn:aws:iam::999999999999:role/floe-writer is not in policy.aws.roleArns',
    ],
    [
      'an env secret outside the prefixes',
      (s) => {
        s.source.security.sasl.password = { from: 'env', name: 'DATABASE_PASSWORD' };
      },
      'policy: secret env:DATABASE_PASSWORD does not start with a prefix in policy.secrets.envPrefixes',
    ],
    [
      "the agent's own token",
      (s) => {
        s.source.security.sasl.password = { from: 'env', name: 'FLOE_TOKEN' };
      },
      "policy: secret env:FLOE_TOKEN is the agent's own credential and is never resolved",
    ],
    [
      'a file outside the folders',
      (s) => {
        s.format.schemaRegistry.password = { from: 'file', path: '/etc/passwd' };
      },
      'policy: secret file:/etc/passwd is not inside a folder in policy.secrets.fileFolders',
    ],
    [
      'a Kafka client key outside the folders',
      (s) => {
        Object.assign(s.source.security, {
          tls: {
            clientCert: { from: 'env', name: 'FLOE_SECRET_KAFKA_CERT' },
            clientKey: { from: 'file', path: '/etc/ssl/private/host.key' },
          },
        });
      },
      'policy: secret file:/etc/ssl/private/host.key is not inside a folder in policy.secrets.fileFolders',
    ],
    [
      'a file that climbs out of an allowed folder',
      (s) => {
        s.format.schemaRegistry.password = {
          from: 'file',
          path: '/var/run/secrets/floe/../../../etc/shadow',
        };
      },
      'policy: secret file:/var/run/secrets/floe/../../../etc/shadow is not inside a folder in policy.secrets.fileFolders',
    ],
    [
      "the agent's credentials file",
      (s) => {
        s.format.schemaRegistry.password = { from: 'file', path: '/var/lib/floe-agent/credentials.json' };
      },
      "policy: secret file:/var/lib/floe-agent/credentials.json is among the agent's own credentials and is never read",
    ],
    [
      'a Secrets Manager secret outside the patterns',
      (s) =>
        Object.assign(s.table.catalog, {
          credential: {
            from: 'aws-secrets-manager',
            arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db',
          },
        }),
      'policy: secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db is not in policy.secrets.secretsManagerArns',
    ],
  ])('refuses a pipeline with %s, naming the rule', (_, change, message) => {
    expect(refusal(start(change))).toBe(message);
  });

  it('names every rule a job breaks at once', () => {
    const message = refusal(
      start((s) => {
        s.source.bootstrapServers = ['evil:9092'];
        s.table.storage.bucket = 'attacker-bucket';
      }),
    );
    expect(message).toBe(
      "policy: kafka host evil:9092 is not in policy.kafka.bootstrapHosts; bucket attacker-bucket at AWS's own S3 is not in policy.storage.locations",
    );
  });

  it('binds a bucket to its endpoint: the same name elsewhere is another bucket', () => {
    const local: LoadedPolicy = {
      rules: agentPolicySchema.parse({
        storage: { locations: [{ bucket: 'warehouse', endpoint: 'http://127.0.0.1:15000' }] },
      }),
      file: 'p',
    };
    const at = (endpoint?: string) =>
      jobSchema.parse({
        kind: 'connection.test',
        connection: {
          type: 'storage',
          storage: { bucket: 'warehouse', region: 'us-east-1', ...(endpoint && { endpoint }) },
        },
      });
    expect(refusal(at('http://127.0.0.1:15000'), local)).toBeUndefined();
    expect(refusal(at('http://127.0.0.1:15000/'), local)).toBeUndefined();
    expect(refusal(at(), local)).toBe(
      "policy: S3 endpoint AWS's own S3 is not the endpoint of any entry in policy.storage.locations",
    );
  });

  it('checks connection tests and maintenance jobs too, and the floors the agent keeps itself', () => {
    const test = (connection: object) => jobSchema.parse({ kind: 'connection.test', connection });
    expect(refusal(test({ type: 'kafka', kafka: { bootstrapServers: ['evil:9092'] } }))).toBe(
      'policy: kafka host evil:9092 is not in policy.kafka.bootstrapHosts',
    );
    expect(
      refusal(
        test({
          type: 'aws-role',
          role: { roleArn: 'arn:aws:iam::123456789012:role/admin', externalId: 'x'.repeat(16) },
        }),
      ),
    ).toBe('policy: role arn:aws:iam::123456789012:role/admin is not in policy.aws.roleArns');
    expect(refusal(test({ type: 'catalog', catalog: { type: 'glue', region: 'eu-west-1' } }))).toBe(
      'policy: the default Glue catalog in eu-west-1 is not in policy.catalog.glue',
    );
    expect(
      refusal(
        test({ type: 'catalog', catalog: { type: 'glue', region: 'eu-west-1', catalogId: '123456789012' } }),
      ),
    ).toBeUndefined();
    // A metastore by its host and port: under the allowed domain, on the allowed port, and nowhere else.
    const hive = (uri: string) => refusal(test({ type: 'catalog', catalog: { type: 'hive', uri } }));
    expect(hive('thrift://hms-1.hive.internal:9083')).toBeUndefined();
    for (const uri of [
      'thrift://hms-1.hive.internal:9084',
      'thrift://hive.internal:9083',
      'thrift://evil:9083',
    ])
      expect(hive(uri)).toBe(`policy: Hive metastore ${uri} is not in policy.catalog.hiveMetastores`);

    // A storage or Glue test as the role a pipeline would assume: the role is checked as a pipeline's is.
    const asRole = (connection: object, roleArn: string) =>
      jobSchema.parse({ kind: 'connection.test', connection, roleArn, externalId: 'ext-0123456789abcdef' });
    const lake = { type: 'storage', storage: { bucket: 'acme-lake', prefix: 'floe/x', region: 'eu-west-1' } };
    const glue = {
      type: 'catalog',
      catalog: { type: 'glue', region: 'eu-west-1', catalogId: '123456789012' },
    };
    expect(refusal(asRole(lake, 'arn:aws:iam::123456789012:role/floe-writer'))).toBeUndefined();
    expect(refusal(asRole(glue, 'arn:aws:iam::123456789012:role/floe-writer'))).toBeUndefined();
    expect(refusal(asRole(lake, 'arn:aws:iam::999999999999:role/floe-writer'))).toBe(
      'policy: role arn:aws:iam::999999999999:role/floe-writer is not in policy.aws.roleArns',
    );
    expect(refusal(asRole(glue, 'arn:aws:iam::123456789012:role/admin'))).toBe(
      'policy: role arn:aws:iam::123456789012:role/admin is not in policy.aws.roleArns',
    );
    expect(
      refusal(
        asRole(
          { ...lake, storage: { ...lake.storage, bucket: 'x-y-z' } },
          'arn:aws:iam::999999999999:role/x',
        ),
      ),
    ).toBe(
      "policy: bucket x-y-z at AWS's own S3 is not in policy.storage.locations; role arn:aws:iam::999999999999:role/x is not in policy.aws.roleArns",
    );

    const table = { ...spec.table, storage: { ...spec.table.storage } };
    const orphans = (olderThanMs: number) =>
      jobSchema.parse({ kind: 'table.remove-orphans', table, olderThanMs });
    expect(refusal(orphans(3_600_000))).toBeUndefined();
    expect(refusal(orphans(1))).toBe(
      "policy: an orphan safety window of 1 ms is below the agent's floor of 1 hour (3600000 ms)",
    );
    // The floors hold in permissive mode as well.
    expect(refusal(orphans(1), { rules: 'permissive' })).toContain("below the agent's floor");
    const expire = jobSchema.parse({ kind: 'table.expire-snapshots', table, olderThanMs: 1 });
    expect(refusal({ ...expire, retainLast: 0 } as Job)).toBe(
      "policy: expiry must keep at least 1 snapshot (the agent's floor); the job asked for 0",
    );
    expect(
      refusal(
        jobSchema.parse({
          kind: 'table.compact',
          table: { ...table, storage: { ...table.storage, bucket: 'x-y-z' } },
        }),
      ),
    ).toBe("policy: bucket x-y-z at AWS's own S3 is not in policy.storage.locations");
  });

  it('allows nothing without a policy file, and says how to give one', () => {
    const none: LoadedPolicy = { rules: agentPolicySchema.parse({}) };
    expect(refusal(start(), none)).toContain(
      'this agent has no policy file, which allows nothing: start it with --policy <file> or FLOE_AGENT_POLICY',
    );
  });

  it("allows anything in permissive mode except the agent's own credentials", () => {
    const open: LoadedPolicy = { rules: 'permissive' };
    expect(
      refusal(
        start((s) => s.source.bootstrapServers.push('anywhere:9092')),
        open,
      ),
    ).toBeUndefined();
    expect(
      refusal(
        start((s) => {
          s.source.security.sasl.password = { from: 'env', name: 'AWS_SECRET_ACCESS_KEY' };
        }),
        open,
      ),
    ).toBe("policy: secret env:AWS_SECRET_ACCESS_KEY is the agent's own credential and is never resolved");
  });
});
