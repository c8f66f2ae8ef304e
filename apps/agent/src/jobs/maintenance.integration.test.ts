import { randomBytes } from 'node:crypto';
import { RestCatalog } from '@floe/iceberg';
import { scanWithPyiceberg } from '@floe/iceberg/testing';
import {
  createKafka,
  type OpenedPipeline,
  openPipeline,
  SchemalessJsonDecoder,
  tableOffsets,
} from '@floe/ingest';
import { pipelineSpecSchema } from '@floe/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { runMaintenance } from './maintenance';

// Maintenance racing ingestion on the real stack: a pipeline commits every second (many small files)
// while compaction runs again and again; then expiry and orphan removal. pyiceberg reads every row
// exactly once throughout, and no ingest commit fails.

const env = process.env;
const run = randomBytes(4).toString('hex');
const topic = `upkeep-${run}`;
const namespace = `upkeep_${run}`;
const kafka = createKafka({
  brokers: (env.FLOE_KAFKA_BROKERS as string).split(','),
  clientId: 'upkeep',
  logLevel: 'error',
});
const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
const host = {
  resolveSecret: async () => '',
  awsCredentials: {
    accessKeyId: env.FLOE_AWS_ACCESS_KEY_ID as string,
    secretAccessKey: env.FLOE_AWS_SECRET_ACCESS_KEY as string,
  },
};
const spec = pipelineSpecSchema.parse({
  id: `upkeep-${run}`,
  name: 'upkeep',
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
      prefix: 'upkeep',
      region: env.FLOE_AWS_REGION,
      endpoint: env.FLOE_S3_ENDPOINT,
    },
  },
  commit: { intervalSeconds: 1 },
  deadLetter: { policy: 'pause' },
});
const tableRef = {
  catalog: spec.table.catalog,
  namespace: [namespace],
  name: 'events',
  storage: spec.table.storage,
};
let pipeline: OpenedPipeline | undefined;

afterAll(async () => {
  await pipeline?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function committed(): Promise<number> {
  const table = await catalog.loadTable({ namespace: [namespace], name: 'events' }).catch(() => undefined);
  return table ? Number([...tableOffsets(table.metadata, spec.id).values()].reduce((a, b) => a + b, 0n)) : 0;
}

describe('maintenance while ingesting (real Kafka, REST catalog, S3; pyiceberg reads)', () => {
  it('compacts racing 1-second commits, expires and removes orphans, and every row stays exactly once', {
    timeout: 20 * 60_000,
  }, async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    await catalog.createNamespace([namespace]);
    pipeline = await openPipeline(spec, { ...host, decoder: new SchemalessJsonDecoder() });
    await pipeline.start();

    const producer = kafka.producer();
    await producer.connect();
    let produced = 0;
    const compactions: Record<string, string | number | boolean>[] = [];
    // The steps each compaction reported as it started them (its job.progress events): [which, fraction, message].
    const steps: [number, number, string][] = [];
    // About 17 s here; `npm run test:chaos` races for 10 minutes (FLOE_MAINTENANCE_RACE_SECONDS=600).
    const rounds = Math.max(24, Math.round((Number(env.FLOE_MAINTENANCE_RACE_SECONDS ?? 0) * 1000) / 700));
    for (let round = 0; round < rounds; round += 1) {
      await producer.send({
        topic,
        messages: Array.from({ length: 50 }, () => {
          produced += 1;
          return { value: JSON.stringify({ seq: produced, kind: `k${produced % 3}` }) };
        }),
      });
      await sleep(700);
      // Compaction runs while records keep arriving and the pipeline keeps committing.
      if (round % 8 === 7)
        compactions.push(
          await runMaintenance(
            { kind: 'table.compact', table: tableRef, targetFileSizeBytes: 128 * 1024 * 1024 },
            host,
            (fraction, message) => steps.push([compactions.length, fraction, message]),
          ),
        );
    }
    await producer.disconnect();
    const deadline = Date.now() + 60_000;
    while ((await committed()) < produced) {
      if (Date.now() > deadline) throw new Error(`committed ${await committed()} of ${produced}`);
      await sleep(300);
    }
    const before = await scanWithPyiceberg([namespace], 'events', { select: ['seq'] });
    const final = await runMaintenance(
      { kind: 'table.compact', table: tableRef, targetFileSizeBytes: 128 * 1024 * 1024 },
      host,
    );
    await pipeline.stop();
    const metrics = pipeline.runner.metrics;
    pipeline = undefined;

    expect(compactions.some((c) => Number(c.filesRewritten) > 0)).toBe(true);
    // Both steps of every compaction did their work (or found none), however the commits raced.
    expect(compactions.flatMap((c) => [c.filesOutcome, c.manifestsOutcome])).not.toContain('failed');
    expect(metrics.commitErrors).toBe(0);
    expect(metrics.fencedCommits).toBe(0);
    // One file per partition (3 kinds) once the last compaction is done.
    expect(final.filesAfter).toBe(3);
    // Each compaction reported its two steps as it started them, the second with what the first did.
    expect(steps).toEqual(
      compactions.flatMap((c, i) => [
        [i, 0, 'step 1 of 2: rewriting data files'],
        [
          i,
          0.5,
          `step 2 of 2: rewriting manifests (data files: ${c.filesOutcome === 'rewritten' ? `${c.filesBefore} → ${c.filesAfter} files` : 'nothing to rewrite'})`,
        ],
      ]),
    );
    // Compaction's replace leaves no manifest behind with only deleted entries: few manifests remain,
    // and the manifest rewrite that follows finds nothing to pack.
    expect(final.manifestsReplaced).toBe(0);
    const after = await scanWithPyiceberg([namespace], 'events', { select: ['seq'] });
    const seqs = (rows: Record<string, unknown>[]) =>
      rows.map((r) => Number(String(r.seq).slice(2))).sort((a, b) => a - b);
    expect(seqs(after.rows)).toEqual(Array.from({ length: produced }, (_, i) => i + 1));
    expect(seqs(after.rows)).toEqual(seqs(before.rows));
    expect(after.files).toHaveLength(3);
    // The pipeline's offsets were carried through the rewrites.
    expect(await committed()).toBe(produced);

    const expired = await runMaintenance(
      { kind: 'table.expire-snapshots', table: tableRef, olderThanMs: Date.now(), retainLast: 1 },
      host,
    );
    // Every snapshot but the current one goes, and with them the small files compaction replaced.
    expect(Number(expired.expiredSnapshots)).toBe(after.snapshots.length - 1);
    expect(Number(expired.deletedDataFiles)).toBeGreaterThanOrEqual(Number(final.filesRewritten));
    const orphans = await runMaintenance(
      { kind: 'table.remove-orphans', table: tableRef, olderThanMs: 3 * 86_400_000 },
      host,
    );
    expect(orphans.orphansDeleted).toBe(0);
    const afterUpkeep = await scanWithPyiceberg([namespace], 'events', { select: ['seq'] });
    expect(seqs(afterUpkeep.rows)).toEqual(seqs(after.rows));
    expect(afterUpkeep.snapshots).toHaveLength(1);
    expect(await committed()).toBe(produced);
  });
});
