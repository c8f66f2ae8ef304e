import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scratchOrganization } from '@floe/api/testing';
import { T } from '@floe/iceberg';
import { RecordMapper, recordReader, SchemalessJsonDecoder } from '@floe/ingest';
import { pipelineSpecSchema } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TOPIC, demoOrder } from '../scripts/demo/orders.mjs';
import { DEMO_PIPELINE_ID, seedDemoPipeline } from './seed-demo';

describe('the demo seed', () => {
  let scratch: Awaited<ReturnType<typeof scratchOrganization>>;
  const agentStateDir = mkdtempSync(join(tmpdir(), 'floe-demo-agent-'));

  beforeAll(async () => {
    scratch = await scratchOrganization({ 'demo@floe.local': 'OWNER' }, { slug: 'acme-data' });
  });

  afterAll(async () => {
    await scratch?.close();
    rmSync(agentStateDir, { recursive: true, force: true });
  });

  it('maps ordered_at as the demo producer writes it, so the table gets a timestamptz column', async () => {
    await seedDemoPipeline(
      scratch.db,
      scratch.org.id,
      scratch.ids['demo@floe.local'] as string,
      agentStateDir,
    );
    const version = await scratch.db.pipelineVersion.findFirstOrThrow({
      where: { pipelineId: DEMO_PIPELINE_ID, version: 1 },
    });
    const spec = pipelineSpecSchema.parse(version.spec);
    expect(spec.source.topics).toEqual([DEMO_TOPIC]);
    expect(spec.mapping.timestamps).toEqual([{ field: 'ordered_at', format: 'iso8601' }]);
    expect(spec.deadLetter).toEqual({ policy: 'dlq', topic: `${DEMO_TOPIC}.dlq` });

    // An order exactly as scripts/demo/producer.mjs sends it, read the way the pipeline reads it.
    const orderedAt = new Date('2026-11-25T09:30:00.123Z');
    const order = demoOrder(1_764_063_000_001, orderedAt);
    const read = recordReader(new SchemalessJsonDecoder(), new RecordMapper(spec.mapping, spec.format.key));
    const mapped = await read({
      topic: DEMO_TOPIC,
      partition: 0,
      offset: 0n,
      timestampMs: BigInt(orderedAt.getTime()),
      key: Buffer.from(order.key),
      value: Buffer.from(JSON.stringify(order.value)),
      headers: [],
    });
    expect(mapped.type.fields.find((f) => f.name === 'ordered_at')?.type).toEqual(T.timestamptz);
    expect(mapped.row.ordered_at).toBe(BigInt(orderedAt.getTime()) * 1000n);
    // Everything else stays as produced.
    expect(mapped.row.region).toBe(order.value.region);
    expect(mapped.row.customer_id).toBe(order.value.customer_id);
  });
});
