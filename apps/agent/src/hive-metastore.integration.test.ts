import { randomBytes } from 'node:crypto';
import { HiveCatalog, S3FileIO } from '@floe/iceberg';
import { hiveCatalog, scanWithPyiceberg } from '@floe/iceberg/testing';
import { serveMetastoreVersion } from '@floe/iceberg/testing/thrift-loopback';
import { createKafka } from '@floe/ingest';
import {
  type AgentEvent,
  type Connection,
  connectionSchema,
  jobSchema,
  type PipelineSpec,
  pipelineSpecSchema,
} from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConnection } from './jobs/connection-test';
import { decoderFor } from './pipelines/decoder';
import { pipelineHosts } from './pipelines/host';
import { PipelineSupervisor } from './pipelines/supervisor';
import { checkJob, checkPipeline } from './policy/check-job';
import { stackPolicy, stackSecrets } from './testing/stack-policy';

// The agent with a Hive catalog, against the Hive standalone metastore 4.0.1 the local stack runs
// (`npm run stack -- up hive`; npm test starts it): its connection test, and a pipeline that writes
// tables in the object store through it (the metastore checks their s3:// locations with Hadoop's S3A).
const env = process.env;
const uri = env.FLOE_HIVE_URI;
const run = randomBytes(4).toString('hex');
const database = `floe_hive_agent_${run}`;
const hive = (at: string): Connection =>
  connectionSchema.parse({ type: 'catalog', catalog: { type: 'hive', uri: at } });
const failure = (connection: Connection) =>
  testConnection(connection, stackSecrets())
    .then(() => 'passed')
    .catch((e: Error) => e.message);
const credentials = {
  accessKeyId: env.FLOE_AWS_ACCESS_KEY_ID as string,
  secretAccessKey: env.FLOE_AWS_SECRET_ACCESS_KEY as string,
};

const title =
  uri === undefined
    ? 'the agent with a Hive metastore (skipped: the stack runs no Hive metastore; npm run stack -- up hive)'
    : 'the agent with a Hive metastore';

describe.skipIf(uri === undefined)(title, () => {
  let catalog: HiveCatalog;
  beforeAll(async () => {
    const io = new S3FileIO({
      region: env.FLOE_AWS_REGION as string,
      endpoint: env.FLOE_S3_ENDPOINT,
      credentials,
    });
    catalog = new HiveCatalog({ uri: uri as string, io });
    await catalog.createNamespace([database]);
  });
  afterAll(async () => {
    for (const id of await catalog.listTables([database])) await catalog.dropTable(id, { purge: true });
    await catalog.dropNamespace([database]);
    catalog.close();
  });

  it("reports the metastore's version and counts its databases; the stack policy allows it", async () => {
    const connection = hive(uri as string);
    expect(() =>
      checkJob(jobSchema.parse({ kind: 'connection.test', connection }), stackPolicy()),
    ).not.toThrow();
    const result = await testConnection(connection, stackSecrets());
    expect(result).toEqual({
      catalog: 'hive',
      version: expect.stringMatching(/^4\./),
      databases: expect.any(Number),
    });
    const databases = (await catalog.listNamespaces()).length;
    expect(result.databases).toBe(databases);
    expect(databases).toBeGreaterThanOrEqual(2); // default and this test's
  });

  it('says when nothing answers at the uri', async () => {
    const message = await failure(hive('thrift://127.0.0.1:1'));
    expect(message).toMatch(
      /^the Hive metastore at thrift:\/\/127\.0\.0\.1:1: connection test: .*ECONNREFUSED/,
    );
  });

  it('refuses a metastore older than Hive 4, naming its version', async () => {
    // A loopback Thrift server answering as a Hive 3.1.3 metastore does (the stack runs Hive 4 only).
    const old = await serveMetastoreVersion('3.1.3');
    try {
      expect(await failure(hive(`thrift://127.0.0.1:${old.port}`))).toBe(
        `the Hive metastore at thrift://127.0.0.1:${old.port}: connection test: the metastore is Hive 3.1.3, which does not check a commit's expected metadata_location; Floe commits to Hive Metastore 4.0 or newer`,
      );
    } finally {
      await old.close();
    }
  });

  it('runs a pipeline into a table in the object store that pyiceberg reads back through the metastore', async () => {
    const topic = `hive-${run}`;
    const kafka = createKafka({
      brokers: (env.FLOE_KAFKA_BROKERS as string).split(','),
      clientId: topic,
      logLevel: 'error',
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const spec: PipelineSpec = pipelineSpecSchema.parse({
      id: `hive-${run}`,
      name: 'hive',
      version: 1,
      source: { bootstrapServers: (env.FLOE_KAFKA_BROKERS as string).split(','), topics: [topic] },
      format: { value: 'json' },
      table: {
        catalog: { type: 'hive', uri },
        namespace: [database],
        name: 'events',
        storage: {
          bucket: env.FLOE_WAREHOUSE_BUCKET,
          prefix: `hive-${run}`,
          region: env.FLOE_AWS_REGION,
          endpoint: env.FLOE_S3_ENDPOINT,
        },
      },
      commit: { intervalSeconds: 1 },
      deadLetter: { policy: 'pause' },
    });
    const policy = stackPolicy();
    // The agent admits only the metastores its policy names.
    const elsewhere = {
      ...spec,
      table: { ...spec.table, catalog: { type: 'hive' as const, uri: 'thrift://metastore.elsewhere:9083' } },
    };
    expect(() => checkPipeline(elsewhere, policy)).toThrow(
      'Hive metastore thrift://metastore.elsewhere:9083 is not in policy.catalog.hiveMetastores',
    );

    const reports: Extract<AgentEvent, { type: 'commit.report' }>[] = [];
    const supervisor = new PipelineSupervisor(
      pipelineHosts({
        secrets: stackSecrets(policy),
        decoderFor,
        credentialsFor: () => credentials,
        events: { report: (event) => void (event.type === 'commit.report' && reports.push(event)) },
        log: () => {},
      }),
      () => {},
      (s) => checkPipeline(s, policy),
    );
    const producer = kafka.producer();
    await producer.connect();
    const committed = () => Number(reports.at(-1)?.partitions[0]?.committedOffset ?? 0);
    let produced = 0;
    try {
      await supervisor.apply(spec);
      // Three rounds, each committed before the next is produced: three commits at least.
      for (const round of [1, 2, 3]) {
        const messages = Array.from({ length: 4 }, () => {
          produced += 1;
          return { value: JSON.stringify({ id: produced, round }) };
        });
        await producer.send({ topic, messages });
        await expect.poll(committed, { timeout: 30_000, interval: 100 }).toBe(produced);
      }
    } finally {
      await producer.disconnect();
      await supervisor.stopAll();
    }

    const id = { namespace: [database], name: 'events' };
    const table = await catalog.loadTable(id);
    // Where the pipeline's storage puts it, as the metastore holds it: an s3:// location, not s3a://.
    expect(table.metadata.location).toBe(`s3://${env.FLOE_WAREHOUSE_BUCKET}/hive-${run}/${database}/events`);
    expect(table.metadataLocation).toMatch(new RegExp(`^${table.metadata.location}/metadata/`));

    const read = await scanWithPyiceberg([database], 'events', { catalog: hiveCatalog(uri as string) });
    expect(read.rows.map((r) => [r.id, r.round]).sort()).toEqual(
      Array.from({ length: produced }, (_, i) => [`i:${i + 1}`, `i:${Math.floor(i / 4) + 1}`]).sort(),
    );
    // One snapshot per commit the agent reported, the newest the metastore's current one.
    expect(read.snapshots.map((s) => s.id)).toEqual(reports.map((r) => r.snapshotId));
    expect(reports.length).toBeGreaterThanOrEqual(3);
    expect(read.refs.main?.['snapshot-id']).toBe(String(table.metadata.currentSnapshotId));
  });
});
