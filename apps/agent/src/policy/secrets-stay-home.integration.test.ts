import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentPolicySchema, jobSchema } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQueuedAgent } from '../testing/queued-agent';
import type { LoadedPolicy } from './load-policy';

// A canary secret the agent resolves (from its environment and from a file) never leaves it: not in
// the events the control plane stores (Postgres), not in its queue (Redis: results, failed reasons,
// stacks), not in its logs, even when a connection test fails with an error that would echo the
// secret: Node's fetch quotes an invalid header value whole, and a registry may quote the credentials
// it refused.

const env = process.env;
const canary = `canary-${randomBytes(8).toString('hex')}`;
// A secret file as people keep them: JSON over several lines (which no HTTP header can carry).
const canaryJson = `{\n  "token": "${canary}-json",\n  "note": "second-line-${canary}"\n}`;
const dir = mkdtempSync(join(tmpdir(), 'floe-canary-'));
const folder = join(dir, 'secrets');
let agent: Awaited<ReturnType<typeof startQueuedAgent>>;
let registry: Server;
let registryUrl = '';
let registrySaw = '';

/** Every spelling of the canary that would give it away. */
const leaks = (text: string) =>
  [
    canary,
    Buffer.from(canary).toString('base64'),
    Buffer.from(`reg:${canary}-file`).toString('base64'),
  ].filter((form) => text.includes(form));

beforeAll(async () => {
  mkdirSync(folder);
  writeFileSync(join(folder, 'registry'), `${canary}-file\n`);
  writeFileSync(join(folder, 'catalog.json'), canaryJson);
  // A registry that refuses the credentials it was sent and quotes them back, decoded.
  registry = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    registrySaw = auth;
    const decoded = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString();
    res
      .writeHead(401, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ error_code: 40101, message: `bad credentials ${auth} (${decoded})` }));
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
  const policy: LoadedPolicy = {
    file: join(dir, 'policy.yaml'),
    rules: agentPolicySchema.parse({
      kafka: { bootstrapHosts: (env.FLOE_KAFKA_BROKERS as string).split(',') },
      schemaRegistry: { urls: [registryUrl] },
      catalog: { restUris: [env.FLOE_ICEBERG_REST_URI] },
      secrets: { envPrefixes: ['FLOE_SECRET_'], fileFolders: [folder] },
    }),
  };
  agent = await startQueuedAgent(policy, { ...env, FLOE_SECRET_CANARY: `${canary}\nsecond line` });
});

afterAll(async () => {
  await agent?.close();
  await new Promise<void>((r) => registry?.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const test = async (connection: object) => {
  const jobId = await agent.send(jobSchema.parse({ kind: 'connection.test', connection }));
  return agent.outcome(jobId);
};

describe('a resolved secret never leaves the agent', () => {
  it('not when a catalog test fails with an error that quotes the token', async () => {
    const outcome = await test({
      type: 'catalog',
      catalog: {
        type: 'rest',
        uri: env.FLOE_ICEBERG_REST_URI,
        warehouse: 'warehouse',
        credential: { from: 'env', name: 'FLOE_SECRET_CANARY' },
      },
    });
    // fetch: `Headers.append: "Bearer <the secret>" is an invalid header value.`, inside the
    // connection test's account of which catalog and authentication failed.
    expect(outcome).toMatchObject({ type: 'job.failed', errorClass: 'Error' });
    expect((outcome as { message: string }).message).toContain(
      '"Bearer [redacted]" is an invalid header value',
    );
  });

  it('not when the secret file is JSON over several lines', async () => {
    const outcome = await test({
      type: 'catalog',
      catalog: {
        type: 'rest',
        uri: env.FLOE_ICEBERG_REST_URI,
        warehouse: 'warehouse',
        credential: { from: 'file', path: join(folder, 'catalog.json') },
      },
    });
    expect(outcome.type).toBe('job.failed');
    expect((outcome as { message: string }).message).toContain(
      '"Bearer [redacted]" is an invalid header value',
    );
  });

  it('not when a registry quotes back the credentials it refused', async () => {
    const outcome = await test({
      type: 'schema-registry',
      registry: {
        url: registryUrl,
        username: 'reg',
        password: { from: 'file', path: join(folder, 'registry') },
      },
    });
    // The registry did get the password (the policy allows it) ...
    expect(registrySaw).toBe(`Basic ${Buffer.from(`reg:${canary}-file`).toString('base64')}`);
    // ... and what comes back names neither it nor its basic-auth form.
    expect(outcome).toMatchObject({
      type: 'job.failed',
      message: 'the registry answered HTTP 401: bad credentials Basic [redacted] (reg:[redacted])',
    });
  });

  it('not when SASL to a broker fails', async () => {
    const outcome = await test({
      type: 'kafka',
      kafka: {
        bootstrapServers: (env.FLOE_KAFKA_BROKERS as string).split(','),
        security: {
          protocol: 'SASL_PLAINTEXT',
          sasl: {
            mechanism: 'PLAIN',
            username: 'floe',
            password: { from: 'env', name: 'FLOE_SECRET_CANARY' },
          },
        },
      },
    });
    expect(outcome.type).toBe('job.failed');
  });

  it('and none of it is in Postgres, Redis, the events or the logs', async () => {
    await agent.send(jobSchema.parse({ kind: 'pipeline.stop', pipelineId: 'flush' })).then(agent.outcome);
    const places = {
      events: JSON.stringify(agent.received),
      postgres: await agent.postgresDump(),
      redis: await agent.redisDump(),
      logs: agent.logs.join('\n'),
    };
    // The places hold the outcomes (so the check looks where they are) ...
    expect(places.postgres).toContain('[redacted]');
    expect(places.redis).toContain('[redacted]');
    expect(places.redis).toContain('the registry answered HTTP 401');
    // ... and no spelling of the secret.
    for (const [place, text] of Object.entries(places))
      expect({ place, leaks: leaks(text) }).toEqual({ place, leaks: [] });
  });
});
