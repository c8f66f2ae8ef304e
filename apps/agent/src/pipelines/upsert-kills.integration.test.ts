import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RestCatalog } from '@floe/iceberg';
import { scanWithPyiceberg } from '@floe/iceberg/testing';
import { createKafka } from '@floe/ingest';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { committed, startAgent } from '../testing/chaos';

// An upsert pipeline's agents SIGKILLed mid-flight, wave after wave of changes: the table read back by
// pyiceberg must hold exactly the latest value of every live key, each key once — a replay after a
// kill applies nothing twice (its rows and its deletes go in one snapshot with the offsets, or not at all).

const env = process.env;
const KEYS = 2000;
const WAVES = 6;
const PARTITIONS = 4;

describe('upsert exactly once through SIGKILLs (real Kafka, REST catalog, S3; read back by pyiceberg)', () => {
  it(`${WAVES} waves of updates, inserts and tombstones over ${KEYS} keys, an agent killed in each`, {
    timeout: 15 * 60_000,
  }, async () => {
    const run = randomBytes(4).toString('hex');
    const topic = `upsert-kills-${run}`;
    const namespace = `upsert_kills_${run}`;
    const specId = `upsert-kills-${run}`;
    const kafka = createKafka({
      brokers: (env.FLOE_KAFKA_BROKERS as string).split(','),
      clientId: 'upsert-kills',
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    await admin.disconnect();
    const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string, warehouse: 'warehouse' });
    await catalog.createNamespace([namespace]);
    const specPath = join(mkdtempSync(join(tmpdir(), 'floe-upsert-')), 'pipeline.yaml');
    writeFileSync(
      specPath,
      stringify({
        id: specId,
        name: 'upsert kills',
        version: 1,
        source: { bootstrapServers: (env.FLOE_KAFKA_BROKERS as string).split(','), topics: [topic] },
        format: { value: 'json', key: 'string' },
        changes: { mode: 'upsert', key: ['id'] },
        table: {
          catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
          namespace: [namespace],
          name: 'events',
          storage: {
            bucket: env.FLOE_WAREHOUSE_BUCKET,
            prefix: 'floe-tests',
            region: env.FLOE_AWS_REGION,
            endpoint: env.FLOE_S3_ENDPOINT,
          },
        },
        commit: { intervalSeconds: 1 },
        deadLetter: { policy: 'pause' },
      }),
    );

    // The latest state, worked out here as the changes are sent: a key lives in partition id % 4.
    const state = new Map<number, number>();
    const producer = kafka.producer();
    await producer.connect();
    let produced = 0;
    let version = 0;
    const wave = async () => {
      const messages = Array.from({ length: 3000 }, () => {
        const id = Math.floor(Math.random() * KEYS);
        version += 1;
        // 10% tombstones; the rest insert or update.
        const value = Math.random() < 0.1 ? null : version;
        if (value === null) state.delete(id);
        else state.set(id, value);
        return {
          key: String(id),
          value: value === null ? null : JSON.stringify({ id, version: value, note: `v${value}` }),
          partition: id % PARTITIONS,
        };
      });
      await producer.send({ topic, messages });
      produced += messages.length;
    };

    let kills = 0;
    for (let round = 1; round <= WAVES; round += 1) {
      await wave();
      const agent = startAgent(specPath);
      const before = await committed(catalog, namespace, specId);
      const deadline = Date.now() + 90_000;
      while ((await committed(catalog, namespace, specId)) === before && Date.now() < deadline)
        await sleep(200);
      await sleep(Math.random() * 1500);
      if (agent.exitCode === null && agent.kill('SIGKILL')) kills += 1;
    }
    await producer.disconnect();
    const last = startAgent(specPath);
    try {
      const deadline = Date.now() + 5 * 60_000;
      while ((await committed(catalog, namespace, specId)) < produced) {
        if (Date.now() > deadline) throw new Error('the table did not reach the produced count in 5 minutes');
        await sleep(500);
      }
    } finally {
      last.kill('SIGTERM');
    }

    const rows = (await scanWithPyiceberg([namespace], 'events', { select: ['id', 'version'] })).rows.map(
      (r) => [Number(String(r.id).slice(2)), Number(String(r.version).slice(2))] as const,
    );
    expect(kills).toBe(WAVES);
    expect(new Set(rows.map(([id]) => id)).size).toBe(rows.length);
    expect(new Map(rows)).toEqual(state);
  });
});
