import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RestCatalog } from '@floe/iceberg';
import { type CommitterMark, committerKey, createKafka, tableOffsets } from '@floe/ingest';
import { afterAll, describe, expect, it } from 'vitest';
import { startAgentProcess } from '../testing/agent-process';
import { startControlPlane } from '../testing/control-plane';
import { orgCaller } from '../testing/org-caller';
import { stackConnections } from '../testing/stack-connections';
import { until } from '../testing/until';

// A pipeline on a pool of real `floe-agent start` processes, through the control plane's own agent API:
// three replicas enroll with the pool's one token and each becomes a member; the pipeline, assigned to
// the pool, starts on all three and its 12 partitions spread over them. One committer (the member
// owning partition 0) commits every member's files once per interval (commit.mode auto). While records
// keep coming: the committer is SIGSTOPped past its session timeout and SIGCONTed after a new committer
// has committed (the zombie coordinator of apache/iceberg#17551), the committer of the day is SIGKILLed,
// a fourth member joins (it gets the pipeline from its first heartbeat) and one is revoked. pyiceberg
// then finds every record of the topic in the table once, counted per partition and offset, and the
// snapshots' committer marks show the role only ever moved forward: no snapshot of an older generation
// after a newer one, one member per generation.

const env = process.env;
const PARTITIONS = 12;
const run = randomBytes(4).toString('hex');
const topic = `pool-${run}`;
const namespace = `pool_${run}`;
const orgSlug = 'acme';
const brokers = (env.FLOE_KAFKA_BROKERS as string).split(',');
const kafka = createKafka({ brokers, clientId: 'agent-pool-test', logLevel: 'error' });
const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cleanups: (() => unknown)[] = [];
/** Set when the test ends, however it ends: the producer stops. */
let ended = false;
afterAll(async () => {
  ended = true;
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A `floe-agent start` process with its own state folder (a pod's emptyDir), enrolling with the pool's token. */
function startMember(controlPlane: URL, token: string) {
  const state = mkdtempSync(join(tmpdir(), 'floe-pool-member-'));
  const member = startAgentProcess(controlPlane, token, state);
  cleanups.push(() => {
    member.child.kill('SIGKILL');
    rmSync(state, { recursive: true, force: true });
  });
  return member;
}

/**
 * Records in chunks across every partition, one chunk every 2 s until told to stop (then one more), so
 * records keep arriving while members die and join however long the group takes. Returns how many.
 */
function produceUntil(stopped: () => boolean): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const chunk = 600;
  return (async () => {
    await producer.connect();
    let sent = 0;
    for (let last = false; !last; ) {
      last = stopped() || ended;
      const messages = Array.from({ length: chunk }, (_, i) => ({
        key: `k${sent + i}`,
        value: JSON.stringify({ seq: sent + i }),
        partition: (sent + i) % PARTITIONS,
      }));
      await producer.send({ topic, acks: -1, messages });
      sent += chunk;
      if (!last) await sleep(2000);
    }
    await producer.disconnect();
    return sent;
  })();
}

/** The pipeline's snapshots on main, oldest first, each with its committer mark (none: a member committed alone). */
async function snapshots(pipelineId: string) {
  const table = await catalog.loadTable({ namespace: [namespace], name: 'events' });
  const { metadata } = table;
  const chain = [];
  for (let id: bigint | null | undefined = metadata.currentSnapshotId; id !== undefined && id !== null; ) {
    const snapshot = metadata.snapshots.find((s) => s.snapshotId === id);
    if (snapshot === undefined) break;
    const text = snapshot.summary[committerKey(pipelineId)];
    chain.unshift({
      timestampMs: Number(snapshot.timestampMs),
      mark:
        text === undefined
          ? undefined
          : (JSON.parse(text) as Omit<CommitterMark, 'controlOffset'> & { members: number }),
    });
    id = snapshot.parentSnapshotId ?? undefined;
  }
  return chain;
}

async function committed(pipelineId: string): Promise<number> {
  const table = await catalog.loadTable({ namespace: [namespace], name: 'events' }).catch(() => undefined);
  if (table === undefined) return 0;
  let total = 0n;
  for (const offset of tableOffsets(table.metadata, pipelineId).values()) total += offset;
  return Number(total);
}

// pyiceberg counts the table's rows per Kafka partition, and its distinct (partition, offset) pairs.
const READ_BACK = `
import json, sys
from collections import Counter
from pyiceberg.catalog.rest import RestCatalog
args = json.loads(sys.argv[1])
catalog = RestCatalog("floe", **args["props"])
kafka = catalog.load_table((args["namespace"], "events")).scan(selected_fields=("_kafka",)).to_arrow().column("_kafka").to_pylist()
coords = {(k["partition"], k["offset"]) for k in kafka}
perPartition = Counter(k["partition"] for k in kafka)
print(json.dumps({"rows": len(kafka), "distinct": len(coords),
                  "perPartition": {str(p): n for p, n in sorted(perPartition.items())},
                  "maxOffset": {str(p): max(o for q, o in coords if q == p) for p in perPartition}}))
`;

async function readBack() {
  const props = {
    uri: env.FLOE_ICEBERG_REST_URI,
    warehouse: 'warehouse',
    's3.endpoint': env.FLOE_S3_ENDPOINT,
    's3.access-key-id': env.FLOE_AWS_ACCESS_KEY_ID,
    's3.secret-access-key': env.FLOE_AWS_SECRET_ACCESS_KEY,
    's3.region': env.FLOE_AWS_REGION,
  };
  const { stdout } = await promisify(execFile)(
    env.FLOE_PYTHON as string,
    ['-c', READ_BACK, JSON.stringify({ props, namespace })],
    { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as {
    rows: number;
    distinct: number;
    perPartition: Record<string, number>;
    maxOffset: Record<string, number>;
  };
}

describe('a pipeline on a pool of agents (real processes, Kafka, REST catalog, S3; read back by pyiceberg)', () => {
  it('spreads 12 partitions over 3 members, commits once per interval through one committer, survives a zombie committer, a kill, a join and a leave, and has every record once', {
    timeout: 15 * 60_000,
  }, async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    await catalog.createNamespace([namespace]);
    const controlPlane = await startControlPlane();
    cleanups.push(() => controlPlane.close());
    const owner = await orgCaller(controlPlane, 'ADMIN');
    const { id: poolId, enrollmentToken } = await owner.pool.create({ orgSlug, name: 'ingest' });

    const members = [1, 2, 3].map(() => startMember(controlPlane.url, enrollmentToken));
    const logs = () => members.map((m, i) => `member ${i}:\n${m.logs.slice(-15).join('\n')}`).join('\n');
    await until(
      'three members online',
      async () => {
        const [pool] = await owner.pool.list({ orgSlug });
        return pool?.members.filter((m) => m.status === 'online').length === 3 ? true : undefined;
      },
      120_000,
      logs,
    );

    const { id: pipelineId, jobIds } = await owner.pipeline.create({
      orgSlug,
      pipeline: {
        name: 'events',
        agentId: poolId,
        ...(await stackConnections(owner, orgSlug, `pool-${run}`)),
        topics: topic,
        startFrom: 'earliest',
        valueFormat: 'json',
        keyFormat: 'string',
        namespace,
        tableName: 'events',
        partitionBy: '',
        schemaPolicy: 'evolve',
        commitIntervalSeconds: 2,
        deadLetterPolicy: 'pause',
      },
    });
    expect(jobIds).toHaveLength(3);
    let joined = false;
    const producing = produceUntil(() => joined);

    // Each member reads some of the partitions, none reads one another does, and all 12 are read.
    const spread = async (count: number) => {
      const shown = await owner.pipeline.members({ orgSlug, pipelineId });
      const reading = shown.filter((m) => m.partitions.length > 0);
      const partitions = reading.flatMap((m) => m.partitions.map((p) => p.partition));
      return reading.length === count &&
        partitions.length === PARTITIONS &&
        new Set(partitions).size === PARTITIONS
        ? reading
        : undefined;
    };
    const three = await until('the partitions spread over three members', () => spread(3), 180_000, logs);
    expect(three.map((m) => m.partitions.length).sort()).toEqual([4, 4, 4]);

    // The committer (the member reading partition 0) marks its snapshots with its generation and process.
    const generationNow = async () => (await snapshots(pipelineId)).findLast((s) => s.mark)?.mark;
    const first = await until('a pooled commit', generationNow, 120_000, logs);
    const zombie = members.find((m) => first.member.includes(`/${m.child.pid}/`));
    expect(zombie).toBeDefined();

    // The zombie: the committer freezes (SIGSTOP) past its 8 s session timeout; the group moves
    // partition 0 and a new committer claims a newer generation and commits. Then it wakes (SIGCONT),
    // still believing it commits: its next commit finds the newer generation in the table and it
    // steps down, rejoining as a member.
    zombie?.child.kill('SIGSTOP');
    const successor = await until(
      'a new committer to commit',
      async () => {
        const mark = await generationNow();
        return mark !== undefined && mark.generation > first.generation ? mark : undefined;
      },
      180_000,
      logs,
    );
    expect(successor.member).not.toContain(`/${zombie?.child.pid}/`);
    zombie?.child.kill('SIGCONT');
    const woke = Date.now();
    // Back as a member: a snapshot after it woke holds the files of all three.
    const together = await until(
      'a snapshot with the files of the three members again',
      async () =>
        (await snapshots(pipelineId)).find((s) => s.timestampMs > woke && s.mark?.members === 3)?.mark,
      180_000,
      logs,
    );

    // The committer of the day dies (SIGKILL: no goodbye, maybe mid-commit); the other two share its
    // partitions, and one of them commits what was handed over and not committed.
    const killed = members.find((m) => together.member.includes(`/${m.child.pid}/`));
    expect(killed).toBeDefined();
    killed?.child.kill('SIGKILL');
    await until('the partitions spread over the two survivors', () => spread(2), 180_000, logs);

    // A fourth replica joins with the same token: a new member, started by its first heartbeat.
    members.push(startMember(controlPlane.url, enrollmentToken));
    const after = await until(
      'the partitions spread over three members again',
      () => spread(3),
      180_000,
      logs,
    );
    // The killed member is not among them; the one that joined is.
    expect(killed?.agentId).toMatch(/^ag-/);
    expect(three.map((m) => m.agentId)).toContain(killed?.agentId);
    expect(after.map((m) => m.agentId)).not.toContain(killed?.agentId);
    expect(after.map((m) => m.agentId)).toContain(members[3]?.agentId);

    // A member leaves: an admin revokes it. Its next heartbeat is refused, it stops its pipelines (leaving
    // the group at once) and exits 3; the two left share the partitions.
    const leaving = members.find((m) => m.child.exitCode === null && m.child.signalCode === null);
    const exited = new Promise<number | null>((r) => leaving?.child.once('exit', (code) => r(code)));
    await owner.agent.revoke({ orgSlug, agentId: leaving?.agentId as string });
    expect(await exited).toBe(3);
    const left = await until('the partitions spread over the two left', () => spread(2), 180_000, logs);
    expect(left.map((m) => m.agentId)).not.toContain(leaving?.agentId);
    joined = true;

    const sent = await producing;
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const produced = offsets.reduce((n, p) => n + Number(p.high), 0);
    expect(produced).toBe(sent);
    await until(
      'every record committed',
      async () => ((await committed(pipelineId)) >= produced ? true : undefined),
      300_000,
      logs,
    );
    expect(await committed(pipelineId)).toBe(produced);

    const table = await readBack();
    const share = (ms: typeof three) =>
      ms.map((m) => m.partitions.map((p) => p.partition).join(',')).join(' | ');
    console.log(
      `[pool] ${sent} records; partitions over 3: ${share(three)}; after the kill and the join: ${share(after)}`,
    );
    expect(table.rows).toBe(produced);
    expect(table.distinct).toBe(produced);
    // Per partition: as many rows as the partition holds, offsets 0 to its end less one.
    const perPartition = Object.fromEntries(offsets.map((p) => [String(p.partition), Number(p.high)]));
    expect(table.perPartition).toEqual(perPartition);
    expect(table.maxOffset).toEqual(
      Object.fromEntries(offsets.map((p) => [String(p.partition), Number(p.high) - 1])),
    );
    // Every member that ran reported commits for its own partitions.
    const committers = new Set(
      (
        await controlPlane.db.agentEvent.findMany({
          where: { type: 'commit.report' },
          select: { agentId: true },
        })
      ).map((e) => e.agentId),
    );
    expect(committers.size).toBeGreaterThanOrEqual(2);

    // The committer role only moved forward: along main, a pooled snapshot never follows one of a newer
    // generation, and each generation is one member's. Once pooled, no member committed for itself.
    const chain = await snapshots(pipelineId);
    const pooledFrom = chain.findIndex((s) => s.mark !== undefined);
    const marks = chain.slice(pooledFrom).map((s) => s.mark);
    expect(marks.every((m) => m !== undefined)).toBe(true);
    const byGeneration = new Map<number, Set<string>>();
    let newest = 0;
    for (const mark of marks as NonNullable<(typeof marks)[number]>[]) {
      expect(mark.generation).toBeGreaterThanOrEqual(newest);
      newest = mark.generation;
      byGeneration.set(mark.generation, (byGeneration.get(mark.generation) ?? new Set()).add(mark.member));
    }
    expect([...byGeneration.values()].every((who) => who.size === 1)).toBe(true);
    expect(byGeneration.size).toBeGreaterThanOrEqual(3);
    // One snapshot held the files of all three members.
    expect(Math.max(...marks.map((m) => m?.members ?? 0))).toBe(3);
    const seconds = Math.round(
      ((chain.at(-1)?.timestampMs ?? 0) - (chain[pooledFrom]?.timestampMs ?? 0)) / 1000,
    );
    const zombieSteppedDown = zombie?.logs.some((l) => l.includes('committer superseded')) ?? false;
    console.log(
      `[pool] ${chain.length} snapshots, ${marks.length} pooled over ${seconds} s (2 s interval); generations ${[...byGeneration.keys()].join(',')}; the zombie ${zombieSteppedDown ? 'tried to commit and stepped down' : 'rejoined before its next commit'}`,
    );
  });
});
