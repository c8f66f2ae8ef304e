import { setTimeout as sleep } from 'node:timers/promises';
import { scheduleMaintenance } from '@floe/api';
import { DEFAULT_POLICY } from '@floe/api/maintenance-policy';
import type { OffsetMap } from '@floe/ingest';
import { ChangeTopic, expectEverySnapshotReadsRight, waitForTopic } from '@floe/ingest/testing/change-topic';
import { testCatalog, uniqueName } from '@floe/ingest/testing/stack';
import { pipelineSpecSchema } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgCaller } from '../testing/org-caller';
import { startQueuedAgent } from '../testing/queued-agent';
import { stackConnections } from '../testing/stack-connections';
import { stackPolicy } from '../testing/stack-policy';

// Compaction scheduled by deletes, end to end: an upsert pipeline made through the control plane's
// API runs on an agent; its commit reports carry the table's totals, from which the control plane's
// scheduler (its pass run here every second) sends table.compact once the deleted rows reach the
// policy's share — small files alone never would (their threshold is out of reach). The agent applies
// the deletes while the pipeline keeps committing; the pipeline page's figures follow; every
// snapshot reads as the latest state in pyiceberg and in the Iceberg Java reader.

const KEYS = 300;
const PRODUCE_SECONDS = 30;
const orgSlug = 'acme';
const namespace = uniqueName('scheduled_upserts');
let agent: Awaited<ReturnType<typeof startQueuedAgent>>;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: process.env.FLOE_AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: process.env.FLOE_AWS_SECRET_ACCESS_KEY,
  });
  await testCatalog().createNamespace([namespace]);
  agent = await startQueuedAgent(stackPolicy());
}, 60_000);

afterAll(async () => {
  await agent?.close();
});

const upsert = (id: number, v: number) => ({
  key: String(id),
  value: JSON.stringify({ id, name: `n${id}`, v }),
  partition: id % 2,
});
const tombstone = (id: number) => ({ key: String(id), value: null, partition: id % 2 });

/** The latest state, worked out on its own: per key the last record below the offsets wins, a tombstone deletes. */
const stateOf = (topic: ChangeTopic) => (offsets: OffsetMap) => {
  const state = new Map<string, string>();
  for (const r of topic.below(offsets).flat()) {
    if (r.value === null) state.delete(r.key as string);
    else {
      const value = JSON.parse(r.value) as { id: number; v: number };
      state.set(String(value.id), `${value.id}:${value.v}`);
    }
  }
  return [...state.values()].sort();
};

describe('compaction scheduled by the deleted rows of an upsert table (control plane scheduler → agent; real stack)', () => {
  it('sends table.compact when deletes reach 20% of the rows read, applies them while upserts commit, and every snapshot reads right', {
    timeout: 15 * 60_000,
  }, async () => {
    const topic = await ChangeTopic.create(uniqueName('scheduled-upserts').replace('_', '-'), 2);
    const editor = await orgCaller(agent, 'EDITOR');
    const { id: pipelineId } = await editor.pipeline.create({
      orgSlug,
      pipeline: {
        name: 'accounts',
        agentId: agent.agentId,
        ...(await stackConnections(editor, orgSlug, namespace)),
        topics: topic.name,
        startFrom: 'earliest',
        valueFormat: 'json',
        keyFormat: 'string',
        namespace,
        tableName: 'accounts',
        partitionBy: '',
        schemaPolicy: 'evolve',
        engine: 'auto',
        commitIntervalSeconds: 1,
        deadLetterPolicy: 'pause',
        changesMode: 'upsert',
        keyFields: 'id',
      },
    });
    await editor.maintenance.savePolicy({
      orgSlug,
      pipelineId,
      policy: {
        ...DEFAULT_POLICY,
        smallFileThreshold: 100_000,
        deleteRatioPercent: 20,
        targetFileSizeMiB: 8,
      },
    });
    const version = await agent.db.pipelineVersion.findFirstOrThrow({ where: { pipelineId } });
    const spec = pipelineSpecSchema.parse(version.spec);

    await topic.send(Array.from({ length: KEYS }, (_, i) => upsert(i, 0)));
    await waitForTopic(spec, topic);

    // Changes keep coming while the scheduler's pass runs every second (the agent heartbeating).
    let wave = 0;
    let producing = true;
    const producer = (async () => {
      const until = Date.now() + PRODUCE_SECONDS * 1000;
      while (Date.now() < until) {
        wave += 1;
        await topic.send(
          Array.from({ length: 40 }, () => {
            const key = Math.floor(Math.random() * KEYS);
            return Math.random() < 0.1 ? tombstone(key) : upsert(key, wave);
          }),
        );
        await sleep(250);
      }
      producing = false;
    })();
    const sent: string[] = [];
    while (producing) {
      agent.events.report({ type: 'heartbeat', agentVersion: 'test', runningPipelines: [pipelineId] });
      await agent.events.flush();
      const pass = await scheduleMaintenance(agent.db, agent.admin, new Date());
      expect(pass.failures).toEqual([]);
      sent.push(...pass.sent.filter((s) => s.pipelineId === pipelineId).map((s) => s.kind));
      await sleep(1000);
    }
    await producer;
    await waitForTopic(spec, topic);

    // Only deletes could make compaction due here; each one sent finished, applying them.
    expect(sent.filter((k) => k === 'table.compact').length).toBeGreaterThanOrEqual(2);
    const runs = await agent.db.maintenanceRun.findMany({ where: { pipelineId, kind: 'table.compact' } });
    for (const run of runs) if (run.status !== 'FINISHED') await agent.outcome(run.jobId, 120_000);
    const finished = await agent.db.maintenanceRun.findMany({
      where: { pipelineId, kind: 'table.compact' },
      orderBy: { sentAt: 'asc' },
    });
    expect(finished.map((r) => [r.status, (r.result as Record<string, unknown>).filesOutcome])).toEqual(
      finished.map(() => ['FINISHED', 'rewritten']),
    );
    expect(finished.some((r) => Number((r.result as Record<string, unknown>).deleteFilesRemoved) > 0)).toBe(
      true,
    );

    // The pipeline page's figures come from the agent's reports: the table's totals after a commit.
    const { deletes } = await editor.maintenance.get({ orgSlug, pipelineId });
    expect(deletes).toMatchObject({ rows: expect.any(Number), deleteFiles: expect.any(Number) });
    const reports = agent.received.filter((e) => e.type === 'commit.report' && e.pipelineId === pipelineId);
    expect(reports.some((e) => e.type === 'commit.report' && (e.tableTotals?.positionDeletes ?? 0) > 0)).toBe(
      true,
    );

    const id = { namespace: [namespace], name: 'accounts' };
    const replaces = (await testCatalog().loadTable(id)).metadata.snapshots.filter(
      (s) => s.summary.operation === 'replace',
    );
    expect(replaces.length).toBeGreaterThanOrEqual(2);
    await topic.close();
    const final = await expectEverySnapshotReadsRight(
      spec,
      ['id', 'v'],
      (r) => `${String(r.id).slice(2)}:${String(r.v).slice(2)}`,
      stateOf(topic),
    );
    expect(final.length).toBeGreaterThan(KEYS / 2);
  });
});
