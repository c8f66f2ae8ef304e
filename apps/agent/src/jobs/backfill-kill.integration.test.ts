import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { branchHead, RestCatalog, type Snapshot } from '@floe/iceberg';
import { scanWithPyiceberg } from '@floe/iceberg/testing';
import { createKafka, decodeOffsets, offsetsKey, tableOffsets } from '@floe/ingest';
import { afterAll, describe, expect, it } from 'vitest';
import { startAgentProcess } from '../testing/agent-process';
import { startControlPlane } from '../testing/control-plane';
import { orgCaller } from '../testing/org-caller';
import { stackConnections } from '../testing/stack-connections';
import { until } from '../testing/until';

// A backfill on a real `floe-agent start` process, through the control plane's tRPC API: the agent is
// SIGKILLed while the backfill runs with rows read past its last branch commit; restarted, it gets the
// job back when its lease runs out and resumes from the branch's own offsets — the branch then
// validates (rows = offsets, none twice) and pyiceberg reads every (partition, offset) of the range
// once on the branch. A second backfill is aborted while its agent is dead: when the agent comes back,
// the job it had been running must not bring the branch back, and main is as it was (same head, no
// backfill snapshot in its history, every record once). A third is aborted while it runs: its next
// branch commit finds the branch gone and the run ends there.

const env = process.env;
const PARTITIONS = 3;
const RECORDS = 24_000;
const run = randomBytes(4).toString('hex');
const topic = `backfill-kill-${run}`;
const namespace = `backfill_kill_${run}`;
const orgSlug = 'acme';
const brokers = (env.FLOE_KAFKA_BROKERS as string).split(',');
const kafka = createKafka({ brokers, clientId: 'backfill-kill-test', logLevel: 'error' });
const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
const tableId = { namespace: [namespace], name: 'events' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The agent process, killed at the end whatever happened. */
function startAgent(controlPlane: URL, token: string, state: string) {
  const agent = startAgentProcess(controlPlane, token, state);
  cleanups.push(() => agent.child.kill('SIGKILL'));
  return agent;
}

const sum = (offsets: Map<string, bigint>) => [...offsets.values()].reduce((a, b) => a + b, 0n);
const load = () => catalog.loadTable(tableId).then((t) => t.metadata);

/** Records the branch of backfill `id` holds by its own offsets (the backfill's start is offset 0). */
async function onBranch(id: string): Promise<bigint | undefined> {
  const metadata = await load();
  const head = branchHead(metadata, `backfill-${id}`);
  if (head === undefined) return undefined;
  return sum(decodeOffsets(head.summary[offsetsKey(`backfill-${id}`)] ?? '{}'));
}

/** Main's snapshots, head first, along parent ids. */
function mainHistory(metadata: Awaited<ReturnType<typeof load>>): Snapshot[] {
  const byId = new Map(metadata.snapshots.map((s) => [s.snapshotId, s]));
  const history: Snapshot[] = [];
  for (let s = branchHead(metadata, 'main'); s !== undefined; s = byId.get(s.parentSnapshotId as bigint))
    history.push(s);
  return history;
}

async function produce(count: number) {
  const producer = kafka.producer();
  await producer.connect();
  for (let from = 0; from < count; from += 4000)
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: Math.min(4000, count - from) }, (_, i) => ({
        value: JSON.stringify({ seq: from + i }),
        partition: (from + i) % PARTITIONS,
      })),
    });
  await producer.disconnect();
}

// pyiceberg counts a ref's rows per Kafka partition and its distinct (partition, offset) pairs.
async function readBack(ref?: string) {
  const scan = await scanWithPyiceberg([namespace], 'events', { select: ['_kafka'], ...(ref && { ref }) });
  const coordinates = scan.rows.map((r) => {
    const k = r._kafka as { partition: string; offset: string };
    return `${String(k.partition).replace(/^i:/, '')}/${String(k.offset).replace(/^i:/, '')}`;
  });
  const perPartition = Array.from(
    { length: PARTITIONS },
    (_, p) => coordinates.filter((c) => c.startsWith(`${p}/`)).length,
  );
  return { rows: coordinates.length, distinct: new Set(coordinates).size, perPartition };
}

describe('backfill through agent kills (a real agent process, Kafka, REST catalog, S3; read back by pyiceberg)', () => {
  it('resumes a killed backfill from its branch, and an abort while the agent is dead leaves no trace', {
    timeout: 15 * 60_000,
  }, async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    await admin.disconnect();
    await catalog.createNamespace([namespace]);
    await produce(RECORDS);

    const controlPlane = await startControlPlane();
    cleanups.push(() => controlPlane.close());
    const owner = await orgCaller(controlPlane, 'ADMIN');
    const { id: agentId, installToken } = await owner.agent.create({ orgSlug, name: 'backfiller' });
    const state = mkdtempSync(join(tmpdir(), 'floe-backfill-kill-'));
    cleanups.push(() => rmSync(state, { recursive: true, force: true }));
    let agent = startAgent(controlPlane.url, installToken, state);
    const logs = () => agent.logs.slice(-40).join('\n');
    await until(
      'the agent online',
      async () =>
        (await owner.agent.list({ orgSlug })).find((a) => a.id === agentId && a.status === 'online'),
      120_000,
      logs,
    );

    const { id: pipelineId } = await owner.pipeline.create({
      orgSlug,
      pipeline: {
        name: 'events',
        agentId,
        ...(await stackConnections(owner, orgSlug, `backfill-kill-${run}`)),
        topics: topic,
        startFrom: 'earliest',
        valueFormat: 'json',
        keyFormat: 'none',
        namespace,
        tableName: 'events',
        partitionBy: '',
        schemaPolicy: 'evolve',
        commitIntervalSeconds: 1,
        deadLetterPolicy: 'pause',
      },
    });
    await until(
      `${RECORDS} records on main`,
      async () => {
        const metadata = await load().catch(() => undefined);
        return metadata && sum(tableOffsets(metadata, pipelineId)) >= RECORDS ? true : undefined;
      },
      180_000,
      logs,
    );

    const listed = (
      id: string,
      done: (b: Awaited<ReturnType<typeof owner.backfill.list>>[number]) => boolean,
    ) =>
      until(
        `backfill ${id}`,
        async () => {
          const found = (await owner.backfill.list({ orgSlug, pipelineId })).find((b) => b.id === id);
          return found && done(found) ? found : undefined;
        },
        300_000,
        logs,
      );
    // Killed once the branch holds some of the range and more has been read since its last commit.
    const killMidway = async (id: string) => {
      const committed = await until(
        'a branch commit midway',
        async () => {
          const held = await onBranch(id);
          return held !== undefined && held > 0n && held < BigInt(RECORDS) ? held : undefined;
        },
        120_000,
        logs,
      );
      await sleep(1500);
      agent.child.kill('SIGKILL');
      await new Promise((r) => agent.child.once('exit', r));
      return committed;
    };

    // 1. Killed midway at 2,000 records a second (commits every 5 s), started again: it resumes.
    const request = { start: 'earliest' as const, end: 'now' as const, maxRecordsPerSecond: 2000 };
    const first = await owner.backfill.start({ orgSlug, pipelineId, request });
    const atKill = await killMidway(first.id);
    const heldAfterKill = (await onBranch(first.id)) as bigint;
    expect(heldAfterKill).toBeLessThan(BigInt(RECORDS));
    agent = startAgent(controlPlane.url, installToken, state);
    const ran = await listed(first.id, (b) => b.run.state === 'finished' || b.run.state === 'failed');
    expect(ran.run).toMatchObject({ state: 'finished', result: { records: RECORDS, totalRecords: RECORDS } });
    // The job ran twice: once on the killed agent, once after it.
    const started = await controlPlane.db.agentEvent.count({
      where: { type: 'job.started', payload: { path: ['jobId'], equals: first.jobId } },
    });
    expect(started).toBe(2);
    console.log(`[backfill-kill] killed with ${atKill} (${heldAfterKill}) of ${RECORDS} on the branch`);

    await owner.backfill.validate({ orgSlug, pipelineId, backfillId: first.id });
    const validated = await listed(first.id, (b) =>
      ['finished', 'failed'].includes(b.validation?.state ?? ''),
    );
    expect(validated.validation?.result).toMatchObject({
      valid: true,
      rows: RECORDS,
      offsets: RECORDS,
      duplicates: 0,
      outsideRange: 0,
      deadLetters: 0,
    });
    const branch = await readBack(`backfill-${first.id}`);
    expect(branch).toEqual({
      rows: RECORDS,
      distinct: RECORDS,
      perPartition: Array(PARTITIONS).fill(RECORDS / PARTITIONS),
    });

    // 2. Aborted while its agent lies dead; the agent comes back and gets the killed run job again.
    const mainBefore = await load();
    const headBefore = branchHead(mainBefore, 'main')?.snapshotId;
    const second = await owner.backfill.start({ orgSlug, pipelineId, request });
    await killMidway(second.id);
    await owner.backfill.abort({ orgSlug, pipelineId, backfillId: second.id });
    agent = startAgent(controlPlane.url, installToken, state);
    await listed(second.id, (b) => b.abort?.state === 'finished');
    const rerun = await listed(second.id, (b) => b.run.state === 'finished' || b.run.state === 'failed');
    expect(rerun.run.state).toBe('finished');
    expect(rerun.run.result).toMatchObject({ branchDropped: true });
    // Given time to write, the branch stays gone.
    await sleep(8000);
    const after = await load();
    expect(after.refs[`backfill-${second.id}`]).toBeUndefined();
    expect(branchHead(after, 'main')?.snapshotId).toBe(headBefore);
    const backfillKeys = mainHistory(after).flatMap((s) =>
      Object.keys(s.summary).filter(
        (k) => k.includes(`backfill-${second.id}`) || k.startsWith('floe.backfill'),
      ),
    );
    expect(backfillKeys).toEqual([]);
    expect(await readBack()).toEqual({
      rows: RECORDS,
      distinct: RECORDS,
      perPartition: Array(PARTITIONS).fill(RECORDS / PARTITIONS),
    });

    // 3. Aborted while it runs on a live agent: its next branch commit finds the branch gone, and it ends.
    const third = await owner.backfill.start({
      orgSlug,
      pipelineId,
      request: { ...request, maxRecordsPerSecond: 1000 },
    });
    await until(
      'a first branch commit',
      async () => ((await onBranch(third.id)) ?? 0n) > 0n || undefined,
      120_000,
      logs,
    );
    await owner.backfill.abort({ orgSlug, pipelineId, backfillId: third.id });
    const stopped = await listed(third.id, (b) => b.run.state === 'finished' || b.run.state === 'failed');
    expect(stopped.run.result).toMatchObject({ branchDropped: true });
    const last = await load();
    expect(last.refs[`backfill-${third.id}`]).toBeUndefined();
    expect(branchHead(last, 'main')?.snapshotId).toBe(headBefore);
  });
});
