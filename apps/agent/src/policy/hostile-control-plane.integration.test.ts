import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentPolicySchema, type Job, jobSchema, pipelineSpecSchema } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Listener, startListener } from '../testing/listener';
import { startQueuedAgent } from '../testing/queued-agent';
import type { LoadedPolicy } from './load-policy';

// The control plane as an attacker: it sends the agent jobs that name a broker, registry, catalog, S3
// endpoint, bucket, prefix or role outside the agent's policy, or a secret the policy does not allow.
// Every address a job names has a TCP listener on it, the allowed ones included: the agent refuses the
// whole job before it opens any connection (no listener sees one), and the refusal, naming the rule,
// reaches the control plane's database as the job's error. Real Postgres and Redis (BullMQ).

const names = [
  'kafka',
  'registry',
  'catalog',
  's3',
  'evilKafka',
  'evilRegistry',
  'evilCatalog',
  'evilS3',
  'evilSts',
] as const;
const at = {} as Record<(typeof names)[number], Listener>;
const secretsDir = mkdtempSync(join(tmpdir(), 'floe-hostile-'));
const allowedFolder = join(secretsDir, 'allowed');
const outsideFile = join(secretsDir, 'outside-secret');
let agent: Awaited<ReturnType<typeof startQueuedAgent>>;
const savedEnv = { ...process.env };

beforeAll(async () => {
  for (const name of names) at[name] = await startListener();
  mkdirSync(allowedFolder);
  writeFileSync(join(allowedFolder, 'registry'), 'allowed-password');
  writeFileSync(outsideFile, 'outside-password');
  // A link inside the allowed folder that leads out of it.
  symlinkSync(outsideFile, join(allowedFolder, 'sneaky'));
  // Where the agent would ask STS for a role (the SDK's standard variable).
  Object.assign(process.env, { AWS_ENDPOINT_URL_STS: at.evilSts.url, AWS_REGION: 'us-east-1' });
  const policy: LoadedPolicy = {
    file: join(secretsDir, 'policy.yaml'),
    rules: agentPolicySchema.parse({
      kafka: { bootstrapHosts: [at.kafka.hostPort] },
      schemaRegistry: { urls: [at.registry.url] },
      catalog: { restUris: [at.catalog.url] },
      storage: { locations: [{ bucket: 'lake', prefix: 'floe', endpoint: at.s3.url }] },
      aws: { roleArns: ['arn:aws:iam::123456789012:role/floe-*'] },
      secrets: { envPrefixes: ['FLOE_SECRET_'], fileFolders: [allowedFolder] },
    }),
  };
  agent = await startQueuedAgent(policy);
});

afterAll(async () => {
  process.env = savedEnv;
  await agent?.close();
  for (const listener of Object.values(at)) await listener.close();
  rmSync(secretsDir, { recursive: true, force: true });
});

/** A pipeline that stays inside the policy; each test changes one thing. */
const pipeline = () => ({
  id: 'p-hostile',
  name: 'hostile',
  version: 1,
  source: { bootstrapServers: [at.kafka.hostPort], topics: ['orders'] },
  format: {
    value: 'avro',
    schemaRegistry: {
      url: at.registry.url,
      username: 'reg',
      password: { from: 'file', path: join(allowedFolder, 'registry') },
    },
  },
  table: {
    catalog: { type: 'rest', uri: at.catalog.url, warehouse: 'lake' },
    namespace: ['sales'],
    name: 'orders',
    storage: { bucket: 'lake', prefix: 'floe/sales', region: 'us-east-1', endpoint: at.s3.url },
  },
  deadLetter: { policy: 'pause' },
});
type Pipeline = ReturnType<typeof pipeline>;
const start = (change: (p: Pipeline) => void): Job => {
  const p = pipeline();
  change(p);
  return { kind: 'pipeline.start', pipeline: pipelineSpecSchema.parse(p) };
};

const untouched = () => Object.fromEntries(names.map((n) => [n, at[n].connections]));
const none = Object.fromEntries(names.map((n) => [n, 0]));

async function refused(job: Job, message: string) {
  const before = untouched();
  const jobId = await agent.send(job);
  const outcome = await agent.outcome(jobId);
  expect(outcome).toEqual({ type: 'job.failed', jobId, errorClass: 'PolicyViolation', message });
  // What the control plane keeps: the failure, with the rule, in its own database ...
  const stored = await agent.db.agentEvent.findMany({
    where: { agentId: agent.agentId, type: 'job.failed' },
  });
  expect(stored.map((e) => e.payload)).toContainEqual(outcome);
  // ... and in the queue, failed once and for good (a refusal is not retried).
  const bullJob = await agent.queue.getJob(jobId);
  expect(await bullJob?.getState()).toBe('failed');
  expect(bullJob?.failedReason).toBe(message);
  expect(bullJob?.attemptsMade).toBe(1);
  // Nothing was contacted, not even the addresses the policy allows.
  await new Promise((r) => setTimeout(r, 300));
  expect(untouched()).toEqual(before);
}

describe('a hostile control plane cannot make the agent reach outside its policy', () => {
  it.each<[string, () => Job, () => string]>([
    [
      'a foreign broker',
      () => start((p) => p.source.bootstrapServers.push(at.evilKafka.hostPort)),
      () => `policy: kafka host ${at.evilKafka.hostPort} is not in policy.kafka.bootstrapHosts`,
    ],
    [
      'a foreign schema registry',
      () =>
        start((p) => {
          p.format.schemaRegistry.url = at.evilRegistry.url;
        }),
      () => `policy: schema registry ${at.evilRegistry.url} is not in policy.schemaRegistry.urls`,
    ],
    [
      'a foreign catalog',
      () =>
        start((p) => {
          p.table.catalog.uri = at.evilCatalog.url;
        }),
      () => `policy: catalog ${at.evilCatalog.url} is not in policy.catalog.restUris`,
    ],
    [
      'a foreign S3 endpoint',
      () =>
        start((p) => {
          p.table.storage.endpoint = at.evilS3.url;
        }),
      () =>
        `policy: S3 endpoint ${at.evilS3.url} is not the endpoint of any entry in policy.storage.locations`,
    ],
    [
      'a foreign bucket at the allowed endpoint',
      () =>
        start((p) => {
          p.table.storage.bucket = 'attacker-bucket';
        }),
      () => `policy: bucket attacker-bucket at ${at.s3.url} is not in policy.storage.locations`,
    ],
    [
      'a prefix outside the allowed one',
      () =>
        start((p) => {
          p.table.storage.prefix = 'other-team';
        }),
      () =>
        'policy: prefix "other-team" of bucket lake is not under a prefix policy.storage.locations allows there',
    ],
    [
      'a foreign role',
      () =>
        start((p) =>
          Object.assign(p.table.storage, {
            roleArn: 'arn:aws:iam::999999999999:role/exfiltrate',
            externalId: 'ext-0123456789abcdef',
          }),
        ),
      () => 'policy: role arn:aws:iam::999999999999:role/exfiltrate is not in policy.aws.roleArns',
    ],
    [
      'a secret file outside the allowed folders',
      () =>
        start((p) => {
          p.format.schemaRegistry.password = { from: 'file', path: outsideFile };
        }),
      () => `policy: secret file:${outsideFile} is not inside a folder in policy.secrets.fileFolders`,
    ],
    [
      'an environment variable outside the allowed prefixes',
      () =>
        start((p) =>
          Object.assign(p.source, {
            security: {
              protocol: 'SASL_PLAINTEXT',
              sasl: { mechanism: 'PLAIN', username: 'floe', password: { from: 'env', name: 'REDIS_URL' } },
            },
          }),
        ),
      () => 'policy: secret env:REDIS_URL does not start with a prefix in policy.secrets.envPrefixes',
    ],
  ])('refuses a pipeline with %s', async (_, job, message) => {
    await refused(job(), message());
    expect(agent.pipelines.list()).toEqual([]);
  });

  it.each<[string, () => object, () => string]>([
    [
      'Kafka test against a foreign broker',
      () => ({ type: 'kafka', kafka: { bootstrapServers: [at.evilKafka.hostPort] } }),
      () => `policy: kafka host ${at.evilKafka.hostPort} is not in policy.kafka.bootstrapHosts`,
    ],
    [
      'registry test whose password is the agent token',
      () => ({
        type: 'schema-registry',
        registry: { url: at.registry.url, username: 'x', password: { from: 'env', name: 'FLOE_TOKEN' } },
      }),
      () => "policy: secret env:FLOE_TOKEN is the agent's own credential and is never resolved",
    ],
    [
      'catalog test against a foreign catalog',
      () => ({ type: 'catalog', catalog: { type: 'rest', uri: at.evilCatalog.url, warehouse: 'w' } }),
      () => `policy: catalog ${at.evilCatalog.url} is not in policy.catalog.restUris`,
    ],
    [
      'role test with a foreign role',
      () => ({
        type: 'aws-role',
        role: { roleArn: 'arn:aws:iam::999999999999:role/floe-x', externalId: 'ext-0123456789abcdef' },
      }),
      () => 'policy: role arn:aws:iam::999999999999:role/floe-x is not in policy.aws.roleArns',
    ],
  ])('refuses a connection %s', async (_, connection, message) => {
    await refused(jobSchema.parse({ kind: 'connection.test', connection: connection() }), message());
  });

  it('refuses a secret file whose link leads out of the allowed folder, before connecting', async () => {
    const sneaky = join(allowedFolder, 'sneaky');
    await refused(
      jobSchema.parse({
        kind: 'connection.test',
        connection: {
          type: 'schema-registry',
          registry: { url: at.registry.url, username: 'x', password: { from: 'file', path: sneaky } },
        },
      }),
      `policy: secret file:${sneaky} leads outside every folder in policy.secrets.fileFolders`,
    );
  });

  it('refuses maintenance on a foreign bucket and an orphan window below its floor', async () => {
    const table = { ...pipeline().table, storage: { ...pipeline().table.storage } };
    await refused(
      jobSchema.parse({ kind: 'table.remove-orphans', table, olderThanMs: 1 }),
      "policy: an orphan safety window of 1 ms is below the agent's floor of 1 hour (3600000 ms)",
    );
    await refused(
      jobSchema.parse({
        kind: 'table.expire-snapshots',
        table: { ...table, storage: { ...table.storage, bucket: 'x-y-z' } },
        olderThanMs: 1,
      }),
      `policy: bucket x-y-z at ${at.s3.url} is not in policy.storage.locations`,
    );
  });

  it('does reach what the policy allows (so the listeners would have seen a refused job)', async () => {
    const before = at.registry.connections;
    const jobId = await agent.send(
      jobSchema.parse({
        kind: 'connection.test',
        connection: {
          type: 'schema-registry',
          registry: {
            url: at.registry.url,
            username: 'reg',
            password: { from: 'file', path: join(allowedFolder, 'registry') },
          },
        },
      }),
    );
    const outcome = await agent.outcome(jobId);
    // The listener is no registry: the test fails, but only after the agent connected to it.
    expect(outcome.type).toBe('job.failed');
    expect(at.registry.connections).toBeGreaterThan(before);
    expect(untouched()).toMatchObject({ ...none, registry: at.registry.connections });
    // The password went to the registry the policy allows, and nowhere into what came back.
    expect(at.registry.received()).toContain(
      `Basic ${Buffer.from('reg:allowed-password').toString('base64')}`,
    );
    expect(JSON.stringify(agent.received)).not.toContain('allowed-password');
  });
});
