import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  authenticateAgent,
  createAgent,
  enrollAgent,
  reconcileAgent,
  recordAgentEvents,
  scheduleMaintenance,
} from '@floe/api';
import { DEFAULT_POLICY } from '@floe/api/maintenance-policy';
import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { RestCatalog } from '@floe/iceberg';
import { createKafka, tableOffsets } from '@floe/ingest';
import { agentQueueName, pipelineSpecSchema, QUEUE_PREFIX } from '@floe/protocol';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The proof that compaction keeps up with a table committed to every second, end to end: the control
// plane's scheduler decides when to compact (from the agent's commit reports), sends table.compact to
// the agent's queue, and the agent — a real `floe-agent start` process that also runs the pipeline —
// compacts while its own pipeline keeps committing every second (3 files a commit, identity
// partitions, as the demo). Every scheduled compaction must finish with both steps done, the live
// data files must stay within what one compaction leaves and one compaction cycle's commits, and pyiceberg must read every record
// once. About a minute here; `npm run test:chaos` runs it for 10 minutes at 1,000,000 records
// (FLOE_SCHEDULED_COMPACTION_SECONDS, FLOE_SCHEDULED_COMPACTION_RECORDS).

const env = process.env;
const SECONDS = Number(env.FLOE_SCHEDULED_COMPACTION_SECONDS ?? 45);
const RECORDS = Number(env.FLOE_SCHEDULED_COMPACTION_RECORDS ?? SECONDS * 200);
const KINDS = 3;
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli.ts');
const run = randomBytes(4).toString('hex');
const topic = `scheduled-${run}`;
const namespace = `scheduled_${run}`;
const table = { namespace: [namespace], name: 'events' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
const kafka = createKafka({
  brokers: (env.FLOE_KAFKA_BROKERS as string).split(','),
  clientId: 'scheduled-compaction',
  logLevel: 'error',
});

/** The control plane's two agent endpoints, doing what apps/web's routes do, on a scratch database. */
function controlPlane(db: PrismaClient, redis: Redis) {
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const reply = (status: number, json: unknown) =>
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
    try {
      if (req.url === '/api/agents/enroll') {
        // This agent uses BullMQ directly, as a single-tenant install's would.
        const bullmq = { transport: 'bullmq', redisUrl: env.REDIS_URL as string } as const;
        return reply(200, await enrollAgent(db, redis, JSON.parse(body).installToken, bullmq));
      }
      const token = req.headers.authorization?.match(/^Bearer (\S+)$/)?.[1];
      const agent = token ? await authenticateAgent(db, token) : null;
      if (!agent) return reply(401, { error: 'unknown agent token' });
      const recorded = await recordAgentEvents(db, agent, JSON.parse(body));
      if (recorded.runningPipelines !== undefined)
        await reconcileAgent(db, redis, agent.id, recorded.runningPipelines);
      return reply(200, { accepted: recorded.accepted });
    } catch (error) {
      return reply(500, { error: (error as Error).message });
    }
  });
  return {
    listen: () =>
      new Promise<URL>((r) =>
        server.listen(0, '127.0.0.1', () =>
          r(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
        ),
      ),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function committed(specId: string): Promise<number> {
  const loaded = await catalog.loadTable(table).catch(() => undefined);
  if (loaded === undefined) return 0;
  return Number([...tableOffsets(loaded.metadata, specId).values()].reduce((a, b) => a + b, 0n));
}

/** The live data files of the table's current snapshot, as its summary counts them. */
async function liveDataFiles(): Promise<number | undefined> {
  const loaded = await catalog.loadTable(table).catch(() => undefined);
  const current = loaded?.metadata.snapshots.find((s) => s.snapshotId === loaded.metadata.currentSnapshotId);
  return current === undefined ? undefined : Number(current.summary['total-data-files']);
}

// pyiceberg reads the table and counts in Python, so that a million rows need not cross into JS.
const VERIFY = `
import json, sys
from pyiceberg.catalog.rest import RestCatalog
args = json.loads(sys.argv[1])
catalog = RestCatalog("floe", **args["props"])
t = catalog.load_table((args["namespace"], "events"))
seqs = t.scan(selected_fields=("seq",)).to_arrow().column("seq").to_pylist()
print(json.dumps({"rows": len(seqs), "distinct": len(set(seqs)), "min": min(seqs), "max": max(seqs),
                  "files": len(list(t.scan().plan_files()))}))
`;

async function readWithPyiceberg() {
  const props = {
    uri: env.FLOE_ICEBERG_REST_URI,
    's3.endpoint': env.FLOE_S3_ENDPOINT,
    's3.access-key-id': env.FLOE_AWS_ACCESS_KEY_ID,
    's3.secret-access-key': env.FLOE_AWS_SECRET_ACCESS_KEY,
    's3.region': env.FLOE_AWS_REGION,
  };
  const { stdout } = await promisify(execFile)(
    env.FLOE_PYTHON as string,
    ['-c', VERIFY, JSON.stringify({ props, namespace })],
    { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as { rows: number; distinct: number; min: number; max: number; files: number };
}

describe('scheduled compaction keeps up with 1-second commits (control plane scheduler → agent process; real stack)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;
  let redis: Redis;
  let endpoint: ReturnType<typeof controlPlane>;
  let agent: ChildProcess | undefined;
  let agentId = '';
  let redisUser = '';
  const agentLog = join(mkdtempSync(join(tmpdir(), 'floe-scheduled-')), 'agent.log');

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    redis = new Redis(env.REDIS_URL as string, { maxRetriesPerRequest: null });
    endpoint = controlPlane(db, redis);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    await catalog.createNamespace([namespace]);
  });

  afterAll(async () => {
    agent?.kill('SIGKILL');
    if (agentId) {
      const queue = new Queue(agentQueueName(agentId), { connection: redis, prefix: QUEUE_PREFIX });
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
    }
    if (redisUser) await redis.call('ACL', 'DELUSER', redisUser).catch(() => {});
    redis?.disconnect();
    await endpoint?.close();
    await db?.$disconnect();
    await scratch?.drop();
  });

  it(`${RECORDS} records over ${SECONDS} s: every scheduled compaction finishes, files stay bounded, pyiceberg reads each record once`, {
    timeout: (SECONDS + 600) * 1000,
  }, async () => {
    const url = await endpoint.listen();
    const org = await db.organization.create({ data: { slug: 'acme', name: 'Acme' } });
    const created = await createAgent(db, org.id, 'eu-1');
    agentId = created.agent.id;
    redisUser = `agent-${agentId}`;
    const spec = pipelineSpecSchema.parse({
      id: `scheduled-${run}`,
      name: 'scheduled',
      version: 1,
      source: { bootstrapServers: (env.FLOE_KAFKA_BROKERS as string).split(','), topics: [topic] },
      format: { value: 'json' },
      table: {
        catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
        namespace: [namespace],
        name: 'events',
        partitionBy: [{ source: 'kind', transform: 'identity' }],
        storage: {
          bucket: env.FLOE_WAREHOUSE_BUCKET,
          prefix: 'scheduled',
          region: env.FLOE_AWS_REGION,
          endpoint: env.FLOE_S3_ENDPOINT,
        },
      },
      commit: { intervalSeconds: 1 },
      deadLetter: { policy: 'pause' },
    });
    const pipeline = await db.pipeline.create({
      data: {
        id: spec.id,
        organizationId: org.id,
        name: spec.name,
        status: 'RUNNING',
        agentId,
        currentVersion: 1,
        versions: { create: { version: 1, spec, createdById: agentId } },
      },
    });
    // Compact as soon as two small files are there: compactions run back to back, racing every commit.
    await db.maintenancePolicy.create({
      data: {
        pipelineId: pipeline.id,
        settings: { ...DEFAULT_POLICY, smallFileThreshold: 2, targetFileSizeMiB: 8 },
      },
    });

    // The agent enrolls with its install token, then pulls pipeline.start (reconcile) and the
    // compactions from its queue; its log goes to a file, shown if the test fails.
    const log = createWriteStream(agentLog);
    agent = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'start', '--control-plane', url.toString(), '--token', created.installToken],
      {
        cwd: join(dirname(CLI), '..'),
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...env,
          FLOE_AGENT_STATE_DIR: mkdtempSync(join(tmpdir(), 'floe-agent-state-')),
          AWS_ACCESS_KEY_ID: env.FLOE_AWS_ACCESS_KEY_ID,
          AWS_SECRET_ACCESS_KEY: env.FLOE_AWS_SECRET_ACCESS_KEY,
          AWS_REGION: env.FLOE_AWS_REGION,
        },
      },
    );
    agent.stdout?.pipe(log);
    agent.stderr?.pipe(log);

    try {
      // The scheduler's own pass (what the control plane runs every minute), here every second.
      let scheduling = true;
      const passFailures: string[] = [];
      const passes = (async () => {
        while (scheduling) {
          const { failures } = await scheduleMaintenance(db, redis, new Date());
          passFailures.push(...failures.map((f) => f.error));
          await sleep(1000);
        }
      })();

      // Records arrive steadily; the live data files are read off the table every second.
      const samples: { at: number; files: number }[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const files = await liveDataFiles();
          if (files !== undefined) samples.push({ at: Date.now(), files });
          await sleep(1000);
        }
      })();
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      const ticks = SECONDS * 4;
      let produced = 0;
      for (let tick = 0; tick < ticks; tick += 1) {
        const upTo = Math.round((RECORDS * (tick + 1)) / ticks);
        const messages = [];
        for (; produced < upTo; produced += 1)
          messages.push({ value: JSON.stringify({ seq: produced, kind: `k${produced % KINDS}` }) });
        await producer.send({ topic, acks: -1, messages });
        await sleep(250);
      }
      await producer.disconnect();
      const deadline = Date.now() + 300_000;
      while ((await committed(spec.id)) < RECORDS) {
        if (Date.now() > deadline) throw new Error(`committed ${await committed(spec.id)} of ${RECORDS}`);
        if (agent.exitCode !== null) throw new Error(`the agent exited with ${agent.exitCode}`);
        await sleep(500);
      }
      // The last compaction sent finishes; no more are sent.
      scheduling = false;
      await passes;
      for (;;) {
        const out = await db.maintenanceRun.count({
          where: { pipelineId: pipeline.id, status: { in: ['SENT', 'RUNNING'] } },
        });
        if (out === 0) break;
        if (Date.now() > deadline) throw new Error(`${out} compactions never finished`);
        await sleep(500);
      }
      sampling = false;
      await sampler;

      const runs = await db.maintenanceRun.findMany({
        where: { pipelineId: pipeline.id },
        orderBy: { sentAt: 'asc' },
      });
      const results = runs.map((r) => (r.result ?? {}) as Record<string, string | number>);
      expect(passFailures).toEqual([]);
      // Every one scheduled, every one finished, and both of its steps did their work or found none.
      expect(runs.length).toBeGreaterThanOrEqual(3);
      expect(new Set(runs.map((r) => `${r.kind} ${r.requestedById}`))).toEqual(
        new Set(['table.compact null']),
      );
      expect(runs.map((r) => [r.status, r.error])).toEqual(runs.map(() => ['FINISHED', null]));
      expect(results.flatMap((r) => [r.filesOutcome, r.manifestsOutcome])).not.toContain('failed');
      expect(results.filter((r) => r.filesOutcome === 'rewritten').length).toBeGreaterThanOrEqual(3);

      // What each compaction left: the live data files of its own snapshot (its parent's appends included).
      const { metadata } = await catalog.loadTable(table);
      const left = results
        .filter((r) => r.snapshotId !== undefined)
        .map((r) => {
          const snapshot = metadata.snapshots.find((s) => s.snapshotId === BigInt(r.snapshotId as string));
          return Number(snapshot?.summary['total-data-files']);
        });
      // Once the first compaction has finished, the table never holds more than what one compaction
      // leaves and what the pipeline commits (KINDS files a second) before the next one lands: however
      // slow the machine, the files stay bounded by one compaction cycle, and do not pile up.
      const most = Math.max(...left);
      const finished = runs.map((r) => r.finishedAt?.getTime() ?? 0);
      const cycleMs = Math.max(...finished.slice(1).map((at, i) => at - (finished[i] as number)));
      const bound = most + KINDS * (Math.ceil(cycleMs / 1000) + 1);
      const since = finished[0] as number;
      const peak = Math.max(...samples.filter((s) => s.at >= since).map((s) => s.files));
      const plans = results.map((r) => Number(r.filesPlans ?? 0));
      console.log(
        `[scheduled-compaction] ${RECORDS} records, ${metadata.snapshots.length} snapshots, ${runs.length} compactions (${plans.filter((p) => p > 1).length} planned again), files left ${Math.min(...left)}–${most}, longest cycle ${(cycleMs / 1000).toFixed(1)} s, live files peak ${peak} of ${samples.length} samples (bound ${bound})`,
      );
      if (peak > bound) {
        const t0 = runs[0]?.sentAt.getTime() ?? 0;
        const s = (d: Date | null) => (d === null ? '-' : ((d.getTime() - t0) / 1000).toFixed(1));
        console.log(
          runs
            .map(
              (r, i) =>
                `sent ${s(r.sentAt)} started ${s(r.startedAt)} finished ${s(r.finishedAt)} ${JSON.stringify(results[i])}`,
            )
            .join('\n'),
        );
        console.log(samples.map((x) => `${((x.at - t0) / 1000).toFixed(1)}:${x.files}`).join(' '));
      }
      expect(peak).toBeLessThanOrEqual(bound);

      const read = await readWithPyiceberg();
      expect(read).toMatchObject({ rows: RECORDS, distinct: RECORDS, min: 0, max: RECORDS - 1 });
      expect(read.files).toBeLessThanOrEqual(bound);
    } catch (error) {
      console.error(`[scheduled-compaction] agent log:\n${readFileSync(agentLog, 'utf8').slice(-8000)}`);
      throw error;
    } finally {
      agent.kill('SIGTERM');
    }
  });
});
