import { currentSnapshot } from '@floe/iceberg';
import { scanWithPyiceberg } from '@floe/iceberg/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { offsetsAt, tableOffsets, tpKey } from '../commit/offsets';
import { SchemalessJsonDecoder } from '../decode/schemaless-json';
import { type OpenedPipeline, openPipeline } from '../pipeline/open-pipeline';
import {
  createTopic,
  testAwsCredentials,
  testCatalog,
  testKafka,
  testSpec,
  uniqueName,
  waitForCommitted,
} from '../testing/stack';
import { RollbackRefusedError, rollbackPipelineTable } from './rollback';

const kafka = testKafka();
const catalog = testCatalog();
const namespace = uniqueName('rollback');
const opened: OpenedPipeline[] = [];
const PARTITIONS = 3;

afterAll(async () => {
  await Promise.allSettled(opened.map((p) => p.stop()));
});

async function produce(topic: string, from: number, count: number) {
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({
    value: JSON.stringify({ id: from + i }),
    partition: (from + i) % PARTITIONS,
  }));
  await producer.send({ topic, messages });
  await producer.disconnect();
}

describe('rolling a pipeline table back (real Kafka, REST catalog, S3; pyiceberg reads back)', () => {
  it('the running pipeline resumes from the snapshot rolled back to and the table again holds every record once; a rollback past Kafka retention is refused', {
    timeout: 300_000,
  }, async () => {
    await catalog.createNamespace([namespace]);
    const topic = uniqueName('events').replace('_', '-');
    await createTopic(kafka, topic, PARTITIONS);
    const spec = testSpec([topic], namespace, 'events');
    const id = { namespace: [namespace], name: 'events' };
    const pipeline = await openPipeline(spec, {
      decoder: new SchemalessJsonDecoder(),
      resolveSecret: async () => '',
      awsCredentials: testAwsCredentials,
    });
    opened.push(pipeline);
    await pipeline.start();

    await produce(topic, 0, 1500);
    await waitForCommitted(catalog, namespace, ['events'], spec.id, 1500);
    const early = currentSnapshot((await catalog.loadTable(id)).metadata);
    await produce(topic, 1500, 1500);
    await waitForCommitted(catalog, namespace, ['events'], spec.id, 3000);

    const admin = kafka.admin();
    await admin.connect();
    try {
      // While the pipeline runs: its next commit is fenced (the table's offsets moved back under it).
      const outcome = await rollbackPipelineTable({
        catalog,
        admin,
        id,
        pipelineId: spec.id,
        snapshotId: early?.snapshotId as bigint,
      });
      expect(outcome.recordsToReread).toBe(1500n);
      const rolled = (await catalog.loadTable(id)).metadata;
      expect(rolled.currentSnapshotId).toBe(early?.snapshotId);
      expect([...tableOffsets(rolled, spec.id).values()].reduce((a, b) => a + b)).toBe(1500n);

      await produce(topic, 3000, 600);
      await waitForCommitted(catalog, namespace, ['events'], spec.id, 3600);
      await pipeline.stop();
      expect(pipeline.runner.metrics.fencedCommits).toBeGreaterThan(0);

      const scan = await scanWithPyiceberg([namespace], 'events', { select: ['id', '_kafka'] });
      const coordinates = scan.rows.map((r) => {
        const k = r._kafka as { partition: string; offset: string };
        return `${k.partition}/${k.offset}`;
      });
      expect(scan.rows).toHaveLength(3600);
      expect(new Set(coordinates).size).toBe(3600);
      for (let p = 0; p < PARTITIONS; p += 1) {
        expect(coordinates.filter((c) => c.replace(/^i:/, '').startsWith(`${p}/`))).toHaveLength(1200);
      }
      const ids = scan.rows.map((r) => Number(String(r.id).slice(2))).sort((a, b) => a - b);
      expect(ids).toEqual(Array.from({ length: 3600 }, (_, i) => i));

      // Kafka's retention took partition 0's records up to past the early snapshot's offset there:
      // rolling back to it again would lose them.
      const before = (await catalog.loadTable(id)).metadata;
      const resumeAt = offsetsAt(before, early, spec.id).get(tpKey(topic, 0)) as bigint;
      await admin.deleteTopicRecords({
        topic,
        partitions: [{ partition: 0, offset: String(resumeAt + 1n) }],
      });
      const refused = rollbackPipelineTable({
        catalog,
        admin,
        id,
        pipelineId: spec.id,
        snapshotId: early?.snapshotId as bigint,
      });
      await expect(refused).rejects.toThrow(RollbackRefusedError);
      await expect(refused).rejects.toThrow(
        `${topic}:0 from offset ${resumeAt}, Kafka keeps ${resumeAt + 1n} on`,
      );
      expect((await catalog.loadTable(id)).metadata.currentSnapshotId).toBe(before.currentSnapshotId);
    } finally {
      await admin.disconnect();
    }
  });
});
