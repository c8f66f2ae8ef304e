import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildPipelineSpec, createAgent } from '@floe/api';
import { createPrismaClient } from '@floe/db';
import { RestCatalog } from '@floe/iceberg';
import { scanWithPyiceberg } from '@floe/iceberg/testing';
import { createKafka, tableOffsets } from '@floe/ingest';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { seedOrganization } from './testing/accounts';
import { startWebApp } from './testing/next-server';

// The BYOC promise, checked end to end: records carrying a canary string go through a real agent into
// the table, and afterwards the canary is nowhere in the control plane (PostgreSQL dump, every Redis
// key and value, the web app's logs) and is in the table. Then the control plane is stopped for two
// minutes: ingestion goes on, and the agent's reports arrive when it is back.

const env = process.env;
const run = randomBytes(4).toString('hex');
const canary = `floe-canary-${run}`;
const topic = `home-${run}`;
const namespace = `home_${run}`;
const agentBin = resolve(import.meta.dirname, '../../agent/bin/floe-agent.mjs');
const downMs = Number(env.FLOE_CONTROL_PLANE_DOWN_MS ?? 120_000);

const db = createPrismaClient();
const kafka = createKafka({
  brokers: (env.FLOE_KAFKA_BROKERS as string).split(','),
  clientId: 'home-test',
  logLevel: 'error',
});
const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
let agent: ChildProcess | undefined;
let agentLog = '';

afterAll(async () => {
  agent?.kill('SIGKILL');
  await db.$disconnect();
});

async function produce(from: number, count: number) {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: count }, (_, i) => ({
      key: `${canary}-key-${from + i}`,
      value: JSON.stringify({ n: from + i, secret_note: `${canary} record ${from + i}` }),
      headers: { origin: `${canary}-header` },
    })),
  });
  await producer.disconnect();
}

async function committed(pipelineId: string): Promise<bigint> {
  const table = await catalog.loadTable({ namespace: [namespace], name: 'canary' }).catch(() => undefined);
  return table ? [...tableOffsets(table.metadata, pipelineId).values()].reduce((a, b) => a + b, 0n) : 0n;
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; agent log:\n${agentLog.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Every key and value in Redis, as the admin sees them. */
async function redisDump(): Promise<string> {
  const redis = new Redis(env.REDIS_URL as string);
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      parts.push(key);
      const type = await redis.type(key);
      if (type === 'string') parts.push(String(await redis.get(key)));
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.call('ZRANGE', key, '0', '-1')));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  redis.disconnect();
  return parts.join('\n');
}

function pgDump(): string {
  const version = readdirSync('/usr/lib/postgresql').sort().at(-1) as string;
  return execFileSync(
    join('/usr/lib/postgresql', version, 'bin', 'pg_dump'),
    ['--data-only', env.DATABASE_URL as string],
    {
      maxBuffer: 512 * 1024 * 1024,
    },
  ).toString();
}

describe('data stays in the customer account', () => {
  it('keeps the canary out of the control plane and in the table, and ingests while the control plane is down', {
    timeout: 10 * 60_000,
  }, async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    await catalog.createNamespace([namespace]);

    const org = await seedOrganization(['OWNER']);
    const owner = await db.user.findUniqueOrThrow({ where: { email: org.emails.OWNER as string } });
    const { agent: agentRow, installToken } = await createAgent(db, org.id, 'home-agent');
    const ids: Record<string, string> = {};
    for (const [name, config] of Object.entries({
      kafka: {
        type: 'kafka',
        kafka: {
          bootstrapServers: (env.FLOE_KAFKA_BROKERS as string).split(','),
          security: { protocol: 'PLAINTEXT' },
        },
      },
      bucket: {
        type: 'storage',
        storage: {
          bucket: env.FLOE_WAREHOUSE_BUCKET,
          prefix: 'home',
          region: env.FLOE_AWS_REGION,
          endpoint: env.FLOE_S3_ENDPOINT,
        },
      },
      catalog: {
        type: 'catalog',
        catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
      },
    })) {
      ids[name] = (
        await db.connection.create({ data: { organizationId: org.id, name, type: config.type, config } })
      ).id;
    }
    const pipelineId = `pl-home-${run}`;
    const wizard = {
      name: 'canary',
      agentId: agentRow.id,
      kafkaConnectionId: ids.kafka as string,
      topics: topic,
      startFrom: 'earliest' as const,
      valueFormat: 'json' as const,
      keyFormat: 'string' as const,
      catalogConnectionId: ids.catalog as string,
      storageConnectionId: ids.bucket as string,
      namespace,
      tableName: 'canary',
      partitionBy: '',
      schemaPolicy: 'evolve' as const,
      commitIntervalSeconds: 1,
      deadLetterPolicy: 'skip' as const,
      engine: 'auto' as const,
      consumer: 'auto' as const,
    };
    const spec = await buildPipelineSpec(db, org.id, pipelineId, 1, wizard);
    await db.pipeline.create({
      data: {
        id: pipelineId,
        organizationId: org.id,
        name: 'canary',
        status: 'RUNNING',
        agentId: agentRow.id,
        currentVersion: 1,
        versions: { create: { version: 1, spec, wizard, createdById: owner.id } },
      },
    });

    let web = await startWebApp();
    agent = spawn(
      process.execPath,
      [agentBin, 'start', '--control-plane', web.url, '--token', installToken],
      {
        env: {
          ...env,
          FLOE_AGENT_STATE_DIR: mkdtempSync(join(tmpdir(), 'floe-home-agent-')),
          AWS_ACCESS_KEY_ID: env.FLOE_AWS_ACCESS_KEY_ID,
          AWS_SECRET_ACCESS_KEY: env.FLOE_AWS_SECRET_ACCESS_KEY,
          AWS_REGION: env.FLOE_AWS_REGION,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    agent.stdout?.on('data', (c: Buffer) => {
      agentLog += c;
    });
    agent.stderr?.on('data', (c: Buffer) => {
      agentLog += c;
    });

    await produce(0, 200);
    // The control plane gives the agent its pipeline when it first heartbeats (reconcile).
    await waitFor('200 records in the table', async () => (await committed(pipelineId)) === 200n);
    await waitFor(
      'a commit report in the control plane',
      async () => (await db.agentEvent.count({ where: { agentId: agentRow.id, type: 'commit.report' } })) > 0,
    );

    // The control plane goes away; the agent keeps ingesting.
    const webLogBeforeStop = web.output();
    await web.stop();
    const reportsBefore = await db.agentEvent.count({
      where: { agentId: agentRow.id, type: 'commit.report' },
    });
    await produce(200, 200);
    await waitFor(
      '400 records with the control plane down',
      async () => (await committed(pipelineId)) === 400n,
    );
    await new Promise((r) => setTimeout(r, Math.max(0, downMs - 10_000)));
    await produce(400, 100);
    await waitFor(
      '500 records with the control plane down',
      async () => (await committed(pipelineId)) === 500n,
    );
    expect(await db.agentEvent.count({ where: { agentId: agentRow.id, type: 'commit.report' } })).toBe(
      reportsBefore,
    );

    web = await startWebApp({}, { port: web.port });
    // The reports of the commits made meanwhile arrive once it is back.
    await waitFor('the reports made while down', async () => {
      const reports = await db.agentEvent.findMany({
        where: { agentId: agentRow.id, type: 'commit.report' },
      });
      const newest = reports.flatMap(
        (r) => (r.payload as { partitions: { committedOffset: string }[] }).partitions,
      );
      return (
        newest.map((p) => BigInt(p.committedOffset)).reduce((a, b) => a + b, 0n) >= 500n ||
        reports.length > reportsBefore + 1
      );
    });
    const webLog = webLogBeforeStop + web.output();
    await web.stop();

    const rows = (await scanWithPyiceberg([namespace], 'canary', { select: ['n', 'secret_note', '_kafka'] }))
      .rows;
    expect(rows).toHaveLength(500);
    expect(rows.filter((r) => String(r.secret_note).includes(canary))).toHaveLength(500);

    expect(pgDump()).not.toContain(canary);
    expect(await redisDump()).not.toContain(canary);
    expect(webLog).not.toContain(canary);
    expect(agentLog).not.toContain(canary);
  });
});
