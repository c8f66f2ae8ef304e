import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RestCatalog } from '@floe/iceberg';
import { createKafka, tableOffsets } from '@floe/ingest';
import { stringify } from 'yaml';

// The exactly-once proof: agents running a pipeline from a spec file are SIGKILLed at random points
// (and two of them share the partitions for a while) as records are produced; an independent reader,
// pyiceberg, then finds every (partition, offset) in the table exactly once with the produced value.

const env = process.env;
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli.ts');

export interface ChaosOptions {
  records: number;
  partitions: number;
  kills: number;
  /** Also stop and start the local stack's Kafka broker halfway (the long run does; it disturbs other tests). */
  restartBroker?: boolean;
  /** The ingest engine the pipeline asks for (default auto). */
  engine?: 'auto' | 'native' | 'portable';
  /** The Kafka client the pipeline asks for (default auto). */
  consumer?: 'auto' | 'kafkajs' | 'librdkafka';
  /**
   * The listener the agents consume from: the stack's plain one (default), or its SASL_SSL one
   * (SCRAM-SHA-512, the CA by file reference, the password by env reference). Records are produced
   * on the plain listener of the same broker either way.
   */
  listener?: 'plain' | 'sasl-ssl';
  /** The catalog the pipeline commits to: the stack's Iceberg REST catalog (default), or Nessie's. */
  catalog?: 'rest' | 'nessie';
  log: (line: string) => void;
}

export interface ChaosResult {
  /** SIGKILLs sent to agents that were still running (the rebalance's included). */
  kills: number;
  /** Records in the topic (a resend after the broker restart may have written one twice) and the seq values produced. */
  produced: number;
  distinctProduced: number;
  /** The pipeline's offsets in the table: the records it committed. */
  committed: number;
  rows: number;
  distinctCoordinates: number;
  distinctSeq: number;
  minSeq: number;
  maxSeq: number;
  wrongPayloads: number;
}

/** The value produced for sequence number `seq`; the reader checks each row against it. */
const payloadOf = (seq: number) => `payload-${seq}-${(seq * 2654435761) % 4294967296}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function exactlyOnceUnderKills(options: ChaosOptions): Promise<ChaosResult> {
  const run = randomBytes(4).toString('hex');
  const topic = `chaos-${run}`;
  const namespace = `chaos_${run}`;
  const kafka = createKafka({
    brokers: (env.FLOE_KAFKA_BROKERS as string).split(','),
    clientId: 'chaos',
    logLevel: 'error',
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: options.partitions }], waitForLeaders: true });
  await admin.disconnect();
  const catalog = new RestCatalog(catalogOf(options));
  await catalog.createNamespace([namespace]);
  const specId = `chaos-${run}`;
  const specPath = writeSpec(specId, topic, namespace, options);
  let produced = 0;

  const producing = produce(kafka, topic, options);
  const agents = new Set<ChildProcess>();
  let kills = 0;
  // Counts only a SIGKILL that reached a running agent: one that had exited already is no kill.
  const kill = (child: ChildProcess) => {
    if (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')) kills += 1;
  };
  const start = () => {
    const child = startAgent(specPath);
    agents.add(child);
    child.once('exit', () => agents.delete(child));
    return child;
  };
  try {
    // Each agent is killed at a random moment after its first commit, so kills land mid-batch,
    // mid-upload and mid-commit rather than during start-up.
    const afterProgress = async () => {
      const before = await committed(catalog, namespace, specId);
      const deadline = Date.now() + 60_000;
      while ((await committed(catalog, namespace, specId)) === before && before < options.records) {
        if (Date.now() > deadline) break;
        await sleep(200);
      }
      await sleep(Math.random() * 2500);
    };
    for (let round = 1; round <= options.kills; round += 1) {
      const child = start();
      await afterProgress();
      if (options.restartBroker && round === Math.ceil(options.kills / 2)) {
        options.log('restarting the Kafka broker under a running agent');
        await restartBroker();
        await afterProgress();
      }
      kill(child);
      options.log(
        `kill ${round}/${options.kills}: SIGKILL agent pid ${child.pid} at ${await committed(catalog, namespace, specId)} committed (${kills} so far)`,
      );
    }
    // Two agents share the partitions (a rebalance), then one of them dies mid-flight.
    const a = start();
    await afterProgress();
    const b = start();
    await afterProgress();
    kill(a);
    options.log(
      `rebalance: SIGKILL one of two agents (pid ${a.pid}) at ${await committed(catalog, namespace, specId)} committed`,
    );
    await producing;
    produced = await topicRecords(kafka, topic);
    options.log(`produced ${produced} records; waiting for the surviving agent to commit them all`);
    const deadline = Date.now() + 15 * 60_000;
    while ((await committed(catalog, namespace, specId)) < produced) {
      if (Date.now() > deadline) throw new Error('the table did not reach the produced count in 15 minutes');
      if (b.exitCode !== null)
        throw new Error(`the surviving agent exited with ${b.exitCode}:\n${agentOutputTail(b)}`);
      await sleep(1000);
    }
    b.kill('SIGTERM');
  } finally {
    for (const child of agents) child.kill('SIGKILL');
  }
  const read = await verify(namespace, options);
  return {
    kills,
    produced,
    distinctProduced: options.records,
    committed: await committed(catalog, namespace, specId),
    ...read,
  };
}

/** The records in the topic: the sum of its partitions' end offsets. */
async function topicRecords(kafka: ReturnType<typeof createKafka>, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

const STACK = join(dirname(CLI), '..', '..', '..', 'infra', 'local', 'stack.mjs');

async function restartBroker() {
  await promisify(execFile)(process.execPath, [STACK, 'down', 'kafka'], { env });
  await sleep(3000);
  await promisify(execFile)(process.execPath, [STACK, 'up', 'kafka'], { env, timeout: 180_000 });
}

/** The spec's source for the listener: where the agents read, and how they sign in. */
function source(listener: ChaosOptions['listener'], topic: string) {
  const common = { topics: [topic], startFrom: 'earliest' };
  if (listener !== 'sasl-ssl')
    return { bootstrapServers: (env.FLOE_KAFKA_BROKERS as string).split(','), ...common };
  return {
    bootstrapServers: (env.FLOE_KAFKA_SASL_BROKERS as string).split(','),
    security: {
      protocol: 'SASL_SSL',
      sasl: {
        mechanism: 'SCRAM-SHA-512',
        username: env.FLOE_KAFKA_SASL_USERNAME,
        password: { from: 'env', name: SASL_PASSWORD_ENV },
      },
      tls: { ca: { from: 'file', path: env.FLOE_KAFKA_CA_FILE } },
    },
    ...common,
  };
}

const SASL_PASSWORD_ENV = 'FLOE_SECRET_KAFKA_PASSWORD';

/** Where the catalog of the run is, and its warehouse. */
function catalogOf(options: Pick<ChaosOptions, 'catalog'>): { uri: string; warehouse: string } {
  if (options.catalog !== 'nessie')
    return { uri: env.FLOE_ICEBERG_REST_URI as string, warehouse: 'warehouse' };
  if (!env.FLOE_NESSIE_URI) throw new Error('Nessie is not running: npm run stack -- up nessie');
  return { uri: env.FLOE_NESSIE_URI, warehouse: env.FLOE_NESSIE_WAREHOUSE as string };
}

/** The bucket prefix the pipeline's storage names: where its catalog puts tables (Nessie: its warehouse's). */
const storagePrefix = (options: Pick<ChaosOptions, 'catalog'>) =>
  options.catalog === 'nessie' ? 'nessie' : 'chaos';

export function writeSpec(
  id: string,
  topic: string,
  namespace: string,
  options: Pick<ChaosOptions, 'listener' | 'catalog' | 'engine' | 'consumer'>,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'floe-chaos-'));
  const path = join(dir, 'pipeline.yaml');
  writeFileSync(
    path,
    stringify({
      id,
      name: 'chaos',
      version: 1,
      source: source(options.listener, topic),
      format: { value: 'json', key: 'string' },
      table: {
        catalog: { type: 'rest', ...catalogOf(options) },
        namespace: [namespace],
        name: 'events',
        storage: {
          bucket: env.FLOE_WAREHOUSE_BUCKET,
          prefix: storagePrefix(options),
          region: env.FLOE_AWS_REGION,
          endpoint: env.FLOE_S3_ENDPOINT,
        },
      },
      commit: { intervalSeconds: 1 },
      deadLetter: { policy: 'pause' },
      engine: options.engine ?? 'auto',
      consumer: options.consumer ?? 'auto',
    }),
  );
  return path;
}

const agentLogs = new WeakMap<ChildProcess, string>();
let agentsStarted = 0;

/** The end of what an agent started by `startAgent` wrote, for the message of a test that failed on it. */
export function agentOutputTail(child: ChildProcess, chars = 3000): string {
  const path = agentLogs.get(child);
  return path === undefined ? '' : readFileSync(path, 'utf8').slice(-chars);
}

/** `floe-agent run` on the spec, its output going to a file beside the spec (see agentOutputTail). */
export function startAgent(specPath: string): ChildProcess {
  agentsStarted += 1;
  const logPath = `${specPath}.agent-${agentsStarted}.log`;
  const output = openSync(logPath, 'w');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'run', '--pipeline', specPath, '--metrics-port', '0'],
    {
      cwd: join(dirname(CLI), '..'),
      stdio: ['ignore', output, output],
      env: {
        ...env,
        AWS_ACCESS_KEY_ID: env.FLOE_AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: env.FLOE_AWS_SECRET_ACCESS_KEY,
        AWS_REGION: env.FLOE_AWS_REGION,
        [SASL_PASSWORD_ENV]: env.FLOE_KAFKA_SASL_PASSWORD,
        // A killed member's partitions move on after this, instead of the default 30 s.
        FLOE_KAFKA_SESSION_TIMEOUT_MS: '8000',
      },
    },
  );
  closeSync(output);
  agentLogs.set(child, logPath);
  return child;
}

/** The records with seq `from` up to `to`, spread over the partitions by seq; `verify` checks their values. */
export function recordsOf(from: number, to: number, partitions: number) {
  const messages = [];
  for (let seq = from; seq < to; seq += 1) {
    messages.push({
      key: `k${seq % 101}`,
      value: JSON.stringify({
        seq,
        payload: payloadOf(seq),
        at: new Date(1_700_000_000_000 + seq).toISOString(),
      }),
      partition: seq % partitions,
    });
  }
  return messages;
}

async function produce(kafka: ReturnType<typeof createKafka>, topic: string, options: ChaosOptions) {
  // Idempotent, and patient: kafkajs retries a send for about a minute across the broker's restart.
  const connect = async () => {
    const p = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 12, initialRetryTime: 500, maxRetryTime: 10_000 },
    });
    await p.connect();
    return p;
  };
  let producer = await connect();
  const chunk = 2000;
  // Spread over all the kills (each costs about 10 s: the group waits out the dead member's session),
  // so every agent dies while records still arrive.
  const pause = Math.floor(((options.kills + 2) * 10_000) / Math.ceil(options.records / chunk));
  for (let from = 0; from < options.records; from += chunk) {
    const messages = recordsOf(from, Math.min(options.records, from + chunk), options.partitions);
    // Should the broker stay away longer than kafkajs waits, the chunk goes again on a new producer
    // (a record of it may then be in the topic twice: the reader counts the topic's records, and the
    // table must hold each of them once).
    for (let attempt = 1; ; attempt += 1) {
      try {
        await producer.send({ topic, acks: -1, messages });
        break;
      } catch (error) {
        if (attempt >= 10) throw error;
        options.log(`producer: ${(error as Error).message}; sending the chunk at ${from} again`);
        await producer.disconnect().catch(() => {});
        await sleep(5000);
        producer = await connect().catch(() => producer);
      }
    }
    await sleep(pause);
  }
  await producer.disconnect();
}

export async function committed(catalog: RestCatalog, namespace: string, specId: string): Promise<number> {
  const table = await catalog.loadTable({ namespace: [namespace], name: 'events' }).catch(() => undefined);
  if (table === undefined) return 0;
  let total = 0n;
  for (const offset of tableOffsets(table.metadata, specId).values()) total += offset;
  return Number(total);
}

// Reads the table with pyiceberg and checks it in Python, so a million rows need not cross into JS.
const VERIFY = `
import json, sys
from pyiceberg.catalog.rest import RestCatalog
args = json.loads(sys.argv[1])
catalog = RestCatalog("floe", **args["props"])
table = catalog.load_table((args["namespace"], "events")).scan(selected_fields=("seq", "payload", "_kafka")).to_arrow()
seqs = table.column("seq").to_pylist()
payloads = table.column("payload").to_pylist()
kafka = table.column("_kafka").to_pylist()
coords = {(k["partition"], k["offset"]) for k in kafka}
def payload_of(seq): return "payload-%d-%d" % (seq, (seq * 2654435761) % 4294967296)
wrong = sum(1 for s, p in zip(seqs, payloads) if p != payload_of(s))
print(json.dumps({"rows": len(seqs), "distinctCoordinates": len(coords), "distinctSeq": len(set(seqs)),
                  "minSeq": min(seqs), "maxSeq": max(seqs), "wrongPayloads": wrong}))
`;

export type ReadBack = Omit<ChaosResult, 'kills' | 'produced' | 'distinctProduced' | 'committed'>;

/** pyiceberg's reading of the table: its rows, their (partition, offset) and seq values, and wrong payloads. */
export async function verify(namespace: string, options: Pick<ChaosOptions, 'catalog'>): Promise<ReadBack> {
  const props = {
    ...catalogOf(options),
    's3.endpoint': env.FLOE_S3_ENDPOINT,
    's3.access-key-id': env.FLOE_AWS_ACCESS_KEY_ID,
    's3.secret-access-key': env.FLOE_AWS_SECRET_ACCESS_KEY,
    's3.region': env.FLOE_AWS_REGION,
  };
  const { stdout } = await promisify(execFile)(
    env.FLOE_PYTHON as string,
    ['-c', VERIFY, JSON.stringify({ props, namespace })],
    {
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout) as ReadBack;
}
