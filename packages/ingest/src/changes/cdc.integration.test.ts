import type { PipelineSpec } from '@floe/protocol';
import avro from 'avsc';
import { afterAll, describe, expect, it } from 'vitest';
import type { OffsetMap } from '../commit/offsets';
import { createValueDecoder } from '../decode/create-decoder';
import { SchemaRegistry } from '../decode/registry';
import { readWireHeader, writeWireHeader } from '../decode/wire-format';
import type { OpenedPipeline } from '../pipeline/open-pipeline';
import {
  ChangeTopic,
  expectEverySnapshotReadsRight,
  type Produced,
  startPipeline,
  waitForTopic,
} from '../testing/change-topic';
import { testCatalog, testSpec, uniqueName } from '../testing/stack';

const namespace = uniqueName('cdc');
let pipeline: OpenedPipeline | undefined;

afterAll(async () => {
  await pipeline?.stop();
});

type Image = { id: number; name: string; v: number } | null;
type Event = { op: string; before: Image; after: Image };
let lsn = 1000;

/** How a test writes one Debezium event as a record value, and reads it back on its own. */
interface Format<V extends string | Buffer> {
  encode(payload: Event & { source: object; ts_ms: number }, wrapped: boolean): V;
  decode(value: V): Event;
}

/** Debezium events as its JSON converter writes them (wrapped in schema/payload when asked). */
const json: Format<string> = {
  encode: (payload, wrapped) => JSON.stringify(wrapped ? { schema: { type: 'struct' }, payload } : payload),
  decode: (value) => {
    const parsed = JSON.parse(value) as { payload?: unknown };
    return (parsed.payload ?? parsed) as Event;
  },
};

const row = (id: number, v: number): Image => ({ id, name: `n${id}`, v });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * A snapshot phase, inserts, updates, a key change, deletes with tombstones and a bad event, in three
 * commits; every snapshot must read as the state worked out here from the events on its own.
 */
async function changesReadRight<V extends string | Buffer>(
  spec: PipelineSpec,
  topic: ChangeTopic<V>,
  format: Format<V>,
  open: () => Promise<OpenedPipeline>,
): Promise<void> {
  const event = (op: string, before: Image, after: Image, wrapped = false): Produced<V> => {
    const id = (after ?? before)?.id ?? 0;
    lsn += 1;
    const source = { connector: 'postgresql', ts_ms: 1764900000000 + lsn, lsn };
    return {
      key: JSON.stringify({ id }),
      value: format.encode({ before, after, op, source, ts_ms: 1 }, wrapped),
      partition: id % 2,
    };
  };
  const tombstone = (id: number): Produced<V> => ({
    key: JSON.stringify({ id }),
    value: null,
    partition: id % 2,
  });
  /** After images are the rows, d and tombstones delete, a key change deletes the old key. */
  const expected = (offsets: OffsetMap) => {
    const state = new Map<number, string>();
    for (const r of topic.below(offsets).flat()) {
      if (r.value === null) {
        state.delete((JSON.parse(r.key as string) as { id: number }).id);
        continue;
      }
      const e = format.decode(r.value);
      if (!['c', 'r', 'u', 'd'].includes(e.op)) continue;
      if (e.before !== null && e.before.id !== e.after?.id) state.delete(e.before.id);
      if (e.after !== null) state.set(e.after.id, `${e.after.id}:${e.after.v}`);
    }
    return [...state.values()].sort();
  };

  pipeline = await open();
  await topic.send(range(0, 30).map((id) => event('r', null, row(id, 1))));
  await waitForTopic(spec, topic);
  await topic.send([
    ...range(30, 40).map((id) => event('c', null, row(id, 1), id % 3 === 0)),
    ...range(0, 10).map((id) => event('u', row(id, 1), row(id, 2))),
    // The key of 10 changes to 110 (one event), and of 12 to 112 as Debezium emits it by default.
    event('u', row(10, 1), row(110, 3)),
    event('d', row(12, 1), null),
    tombstone(12),
    event('c', null, row(112, 3)),
    ...range(20, 25).flatMap((id) => [event('d', row(id, 1), null, true), tombstone(id)]),
    // Rejected (bad-change), changing nothing.
    { ...event('x', null, row(1, 9)), partition: 1 },
  ]);
  await waitForTopic(spec, topic);
  await topic.send([
    ...range(0, 4).map((id) => event('u', row(id, 2), row(id, 4))),
    event('r', null, row(20, 5)),
  ]);
  await waitForTopic(spec, topic);
  await pipeline.stop();
  pipeline = undefined;
  await topic.close();

  const final = await expectEverySnapshotReadsRight(
    spec,
    ['id', 'v'],
    (r) => `${String(r.id).slice(2)}:${String(r.v).slice(2)}`,
    expected,
  );
  expect(final).toContain('110:3');
  expect(final).toContain('112:3');
  expect(final).toContain('0:4');
  expect(final).toContain('20:5');
  expect(final.some((s) => s.startsWith('10:') || s.startsWith('12:') || s.startsWith('21:'))).toBe(false);
  // 40 rows, 10 and 12 renamed, 20-24 deleted, 20 read again.
  expect(final).toHaveLength(36);
}

/** A Debezium envelope as its Avro converter registers it: before and after nullable records of one row schema. */
const ENVELOPE = {
  type: 'record',
  name: 'Envelope',
  namespace: 'dbserver.public.customers',
  fields: [
    {
      name: 'before',
      type: [
        'null',
        {
          type: 'record',
          name: 'Value',
          fields: [
            { name: 'id', type: 'long' },
            { name: 'name', type: 'string' },
            { name: 'v', type: 'long' },
          ],
        },
      ],
      default: null,
    },
    { name: 'after', type: ['null', 'Value'], default: null },
    {
      name: 'source',
      type: {
        type: 'record',
        name: 'Source',
        namespace: 'io.debezium.connector.postgresql',
        fields: [
          { name: 'connector', type: 'string' },
          { name: 'ts_ms', type: 'long' },
          { name: 'lsn', type: ['null', 'long'], default: null },
        ],
      },
    },
    { name: 'op', type: 'string' },
    { name: 'ts_ms', type: ['null', 'long'], default: null },
  ],
};

describe('cdc: Debezium change events; every snapshot reads right in pyiceberg', () => {
  it('in JSON', { timeout: 300_000 }, async () => {
    await testCatalog().createNamespace([namespace]);
    const topic = await ChangeTopic.create<string>(uniqueName('dbz').replace('_', '-'), 2);
    const spec = testSpec([topic.name], namespace, 'customers', {
      changes: { mode: 'cdc', key: ['id'] },
      engine: 'portable',
    });
    await changesReadRight(spec, topic, json, () => startPipeline(spec));
  });

  it('in Avro through the registry (the table is the after record)', { timeout: 300_000 }, async () => {
    const registry = new SchemaRegistry({ url: process.env.FLOE_SCHEMA_REGISTRY_URL as string });
    const topic = await ChangeTopic.create<Buffer>(uniqueName('dbz-avro').replace('_', '-'), 2);
    const schemaId = await registry.register(`${topic.name}-value`, { schema: JSON.stringify(ENVELOPE) });
    const type = avro.Type.forSchema(ENVELOPE as avro.Schema);
    const avroFormat: Format<Buffer> = {
      encode: (payload) => writeWireHeader(schemaId, type.toBuffer(payload)),
      decode: (value) => type.fromBuffer(readWireHeader(value).payload) as Event,
    };
    const spec = testSpec([topic.name], namespace, 'customers_avro', {
      format: { value: 'avro', key: 'string' },
      changes: { mode: 'cdc', key: ['id'] },
      engine: 'auto',
    });
    await changesReadRight(spec, topic, avroFormat, () =>
      startPipeline(spec, createValueDecoder('avro', registry)),
    );
  });
});
