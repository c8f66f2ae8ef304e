import { randomBytes } from 'node:crypto';
import { currentSnapshot, RestCatalog } from '@floe/iceberg';
import { scanWithPyiceberg } from '@floe/iceberg/testing';
import { createKafka, tableOffsets } from '@floe/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgCaller } from '../testing/org-caller';
import { startQueuedAgent } from '../testing/queued-agent';
import { stackConnections } from '../testing/stack-connections';
import { stackPolicy } from '../testing/stack-policy';
import { until } from '../testing/until';

// Recovery end to end: through the control plane's tRPC API (roles, audit rows) to an agent in this
// process running the pipeline into the stack's REST catalog. An admin rolls main back to an earlier
// snapshot; the agent stops the pipeline, rolls back, starts it again from that snapshot's offsets,
// and pyiceberg then finds every record of the topic in the table once, by partition and offset.

const env = process.env;
const run = randomBytes(4).toString('hex');
const topic = `table-recovery-${run}`;
const namespace = `table_recovery_${run}`;
const PARTITIONS = 3;
const brokers = (env.FLOE_KAFKA_BROKERS as string).split(',');
const kafka = createKafka({ brokers, clientId: 'table-recovery-test', logLevel: 'error' });
const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
const id = { namespace: [namespace], name: 'events' };
const orgSlug = 'acme';
let agent: Awaited<ReturnType<typeof startQueuedAgent>>;
/** The pipeline the first test makes, which the backfill test rebuilds. */
let pipelineMade: string | undefined;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: env.FLOE_AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: env.FLOE_AWS_SECRET_ACCESS_KEY,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  await catalog.createNamespace([namespace]);
  agent = await startQueuedAgent(stackPolicy());
  agent.events.report({ type: 'heartbeat', agentVersion: 'test', runningPipelines: [] });
  await agent.events.flush();
}, 60_000);

afterAll(async () => {
  await agent?.close();
});

async function produce(from: number, count: number) {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: count }, (_, i) => ({
      value: JSON.stringify({ seq: from + i }),
      partition: (from + i) % PARTITIONS,
    })),
  });
  await producer.disconnect();
}

async function createPipeline(editor: Awaited<ReturnType<typeof orgCaller>>) {
  const { id } = await editor.pipeline.create({
    orgSlug,
    pipeline: {
      name: 'events',
      agentId: agent.agentId,
      ...(await stackConnections(editor, orgSlug, `table-recovery-${run}`)),
      topics: topic,
      startFrom: 'earliest',
      valueFormat: 'json',
      keyFormat: 'none',
      namespace,
      tableName: 'events',
      partitionBy: '',
      schemaPolicy: 'evolve',
      engine: 'auto',
      commitIntervalSeconds: 1,
      deadLetterPolicy: 'pause',
    },
  });
  return id;
}

/** Records of the topic the table holds for the pipeline: the sum of its offsets on main. */
async function held(pipelineId: string): Promise<bigint> {
  const loaded = await catalog.loadTable(id).catch(() => undefined);
  if (loaded === undefined) return 0n;
  return [...tableOffsets(loaded.metadata, pipelineId).values()].reduce((a, b) => a + b, 0n);
}

/** Waits up to 90 s for `find`, with the agent's logs in the error. */
const waitFor = <T>(what: string, find: () => T | undefined | Promise<T | undefined>) =>
  until(what, find, 90_000, () => agent.logs.join('\n'));
const holding = (pipelineId: string, count: number) =>
  waitFor(`${count} records in the table`, async () =>
    (await held(pipelineId)) >= count ? true : undefined,
  );

describe('recovery: rollback and tags through the API', () => {
  it('rolls main back to a snapshot, the pipeline resumes from its offsets, and every record is in the table once', async () => {
    const editor = await orgCaller(agent, 'EDITOR');
    const viewer = await orgCaller(agent, 'VIEWER');
    const admin = await orgCaller(agent, 'ADMIN');
    const pipelineId = await createPipeline(editor);
    pipelineMade = pipelineId;
    const answered = (caller: typeof viewer, jobId: string) =>
      waitFor(`job ${jobId}`, async () => {
        const answer = await caller.recovery.result({ orgSlug, jobId });
        return answer.state === 'waiting' ? undefined : answer;
      });

    await produce(0, 900);
    await holding(pipelineId, 900);
    const early = currentSnapshot((await catalog.loadTable(id)).metadata)?.snapshotId.toString() as string;
    await produce(900, 600);
    await holding(pipelineId, 1500);

    await expect(
      viewer.recovery.tag({ orgSlug, pipelineId, name: 'before-incident', snapshotId: early }),
    ).rejects.toThrow(/editor role/);
    const tagged = await editor.recovery.tag({
      orgSlug,
      pipelineId,
      name: 'before-incident',
      snapshotId: early,
    });
    expect(await answered(viewer, tagged.jobId)).toMatchObject({
      state: 'succeeded',
      description: { tag: 'before-incident', snapshotId: early },
    });

    await expect(editor.recovery.rollback({ orgSlug, pipelineId, snapshotId: early })).rejects.toThrow(
      /admin role/,
    );
    const rolled = await admin.recovery.rollback({ orgSlug, pipelineId, snapshotId: early });
    expect(await answered(viewer, rolled.jobId)).toMatchObject({
      state: 'succeeded',
      description: {
        toSnapshotId: early,
        recordsToReread: '600',
        partitions: PARTITIONS,
        groupMoved: true,
        restarted: true,
      },
    });
    // The restarted pipeline reads the 600 records again, then what comes next.
    await holding(pipelineId, 1500);
    await produce(1500, 300);
    await holding(pipelineId, 1800);
    await waitFor('the last commit', async () => {
      const scan = await scanWithPyiceberg([namespace], 'events', { select: ['seq'] });
      return scan.rows.length >= 1800 ? true : undefined;
    });

    const scan = await scanWithPyiceberg([namespace], 'events', { select: ['seq', '_kafka'] });
    const coordinates = scan.rows.map((r) => {
      const k = r._kafka as { partition: string; offset: string };
      return `${String(k.partition).replace(/^i:/, '')}/${String(k.offset).replace(/^i:/, '')}`;
    });
    expect(scan.rows).toHaveLength(1800);
    expect(new Set(coordinates).size).toBe(1800);
    for (let p = 0; p < PARTITIONS; p += 1)
      expect(coordinates.filter((c) => c.startsWith(`${p}/`))).toHaveLength(600);
    const seqs = scan.rows.map((r) => Number(String(r.seq).replace(/^i:/, ''))).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 1800 }, (_, i) => i));

    // The table page's description: the tag, main's head, and which snapshots are in main's history.
    const asked = await viewer.discovery.describeTable({ orgSlug, pipelineId });
    const described = await waitFor('the description', async () => {
      const a = await viewer.discovery.tableResult({ orgSlug, jobId: asked.jobId });
      return a.state === 'waiting' ? undefined : a.description;
    });
    expect(described?.refs).toContainEqual({ name: 'before-incident', type: 'tag', snapshotId: early });
    const snapshots = described?.snapshots ?? [];
    expect(snapshots.find((s) => s.snapshotId === described?.currentSnapshotId)?.onMain).toBe(true);
    expect(snapshots.find((s) => s.snapshotId === early)?.onMain).toBe(true);
    // The snapshots the rollback left behind are still in the table, off main.
    expect(snapshots.some((s) => s.onMain === false)).toBe(true);

    const untagged = await editor.recovery.untag({ orgSlug, pipelineId, name: 'before-incident' });
    expect(await answered(viewer, untagged.jobId)).toMatchObject({
      state: 'succeeded',
      description: { removed: true },
    });
    expect((await catalog.loadTable(id)).metadata.refs['before-incident']).toBeUndefined();

    const audit = await agent.db.auditEvent.findMany({
      where: { action: { startsWith: 'recovery.' } },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((a) => [a.action, a.target])).toEqual([
      ['recovery.tag', pipelineId],
      ['recovery.rollback', pipelineId],
      ['recovery.untag', pipelineId],
    ]);
    expect(audit[1]?.input).toEqual({ pipelineId, snapshotId: early });
  }, 300_000);

  it('backfills the table through the API: progress, validation, cutover, each in the audit log', async () => {
    const pipelineId = pipelineMade as string;
    const editor = await orgCaller(agent, 'EDITOR');
    const admin = await orgCaller(agent, 'ADMIN');
    const request = { start: 'earliest' as const, end: 'now' as const, maxRecordsPerSecond: 5000 };
    await expect(editor.backfill.start({ orgSlug, pipelineId, request })).rejects.toThrow(/admin role/);
    const { id } = await admin.backfill.start({ orgSlug, pipelineId, request });
    const listed = (done: (b: Awaited<ReturnType<typeof editor.backfill.list>>[number]) => boolean) =>
      waitFor('the backfill', async () => {
        const found = (await editor.backfill.list({ orgSlug, pipelineId })).find((b) => b.id === id);
        return found && done(found) ? found : undefined;
      });
    const ran = await listed((b) => b.run.state === 'finished' || b.run.state === 'failed');
    expect(ran.run).toMatchObject({
      state: 'finished',
      fraction: 1,
      result: { records: 1800, totalRecords: 1800 },
    });

    await editor.backfill.validate({ orgSlug, pipelineId, backfillId: id });
    const validated = await listed((b) => b.validation?.state === 'finished');
    expect(validated.validation?.result).toMatchObject({
      valid: true,
      rows: 1800,
      offsets: 1800,
      duplicates: 0,
    });

    await produce(1800, 150);
    await admin.backfill.cutover({ orgSlug, pipelineId, backfillId: id });
    const cut = await listed((b) => b.cutover?.state === 'finished' || b.cutover?.state === 'failed');
    expect(cut.cutover?.result).toMatchObject({ valid: true, rows: 1950 });
    const { metadata } = await catalog.loadTable({ namespace: [namespace], name: 'events' });
    expect(metadata.currentSnapshotId?.toString()).toBe(cut.cutover?.result?.snapshotId);
    await holding(pipelineId, 1950);
    const scan = await scanWithPyiceberg([namespace], 'events', { select: ['seq'] });
    const seqs = scan.rows.map((r) => Number(String(r.seq).replace(/^i:/, ''))).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 1950 }, (_, i) => i));

    const audit = await agent.db.auditEvent.findMany({
      where: { action: { startsWith: 'backfill.' } },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((a) => [a.action, a.target])).toEqual([
      ['backfill.start', pipelineId],
      ['backfill.validate', pipelineId],
      ['backfill.cutover', pipelineId],
    ]);
  }, 300_000);
});
