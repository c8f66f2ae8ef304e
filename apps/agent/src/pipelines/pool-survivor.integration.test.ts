import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { RestCatalog } from '@floe/iceberg';
import {
  committerMark,
  controlTopicName,
  createKafka,
  type DataWritten,
  decodeDataWritten,
} from '@floe/ingest';
import { createTopic } from '@floe/ingest/testing/stack';
import { afterAll, describe, expect, it } from 'vitest';
import { agentOutputTail, committed, recordsOf, startAgent, verify, writeSpec } from '../testing/chaos';
import { until } from '../testing/until';

// The committer of a two-member pool dies after the last record, with the other member's last
// hand-over still untaken. The survivor is then alone in the group, so it commits for itself and no
// committer reads the control topic any more: it must read the records it handed over again and
// commit them. (It used to read on past them and wait for a committer that never came: the table
// stopped short of the topic for good, with nothing logged.)

const env = process.env;
const PARTITIONS = 2;
const run = randomBytes(4).toString('hex');
const topic = `survivor-${run}`;
const namespace = `survivor_${run}`;
const pipelineId = `survivor-${run}`;
const kafka = createKafka({
  brokers: (env.FLOE_KAFKA_BROKERS as string).split(','),
  clientId: 'pool-survivor-test',
  logLevel: 'error',
});
const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string, warehouse: 'warehouse' });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
const agents: ChildProcess[] = [];
let produced = 0;

afterAll(async () => {
  for (const agent of agents) agent.kill('SIGKILL');
  await producer.disconnect();
});

async function send(count: number): Promise<void> {
  await producer.send({ topic, acks: -1, messages: recordsOf(produced, produced + count, PARTITIONS) });
  produced += count;
}

/** Each partition's end offset in the topic. */
async function endOffsets(): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Every hand-over on the pipeline's control topic so far, read by a consumer of its own. */
async function readControlTopic(): Promise<{ messages: DataWritten[]; stop: () => Promise<void> }> {
  const messages: DataWritten[] = [];
  const consumer = kafka.consumer({ groupId: `pool-survivor-test-${run}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [controlTopicName(pipelineId)], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value !== null) messages.push(decodeDataWritten(message.value));
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}

describe('a pool whose committer dies after the last record (real Kafka, REST catalog, S3; read back by pyiceberg)', () => {
  it('the surviving member, alone now, reads its untaken hand-overs again and commits every record once', {
    timeout: 8 * 60_000,
  }, async () => {
    await createTopic(kafka, topic, PARTITIONS);
    await catalog.createNamespace([namespace]);
    const spec = writeSpec(pipelineId, topic, namespace, { listener: 'plain', catalog: 'rest' });
    await producer.connect();
    const inTable = () => committed(catalog, namespace, pipelineId);

    // One agent commits for itself; a second joins and the two make a pool (commit.mode auto).
    await send(1000);
    agents.push(startAgent(spec));
    await until(
      'the first agent to commit alone',
      async () => ((await inTable()) === produced ? true : undefined),
      120_000,
    );
    agents.push(startAgent(spec));
    const mark = await until(
      'a pooled commit',
      async () => {
        await send(100);
        const table = await catalog.loadTable({ namespace: [namespace], name: 'events' });
        return committerMark(table.metadata, pipelineId);
      },
      120_000,
      () => agents.map((a) => agentOutputTail(a)).join('\n'),
    );
    const committer = agents.find((a) => mark.member.includes(`/${a.pid}/`)) as ChildProcess;
    const survivor = agents.find((a) => a !== committer) as ChildProcess;
    expect(committer).toBeDefined();

    // The committer stops; the last records arrive, and the survivor hands its share over to it.
    committer.kill('SIGSTOP');
    await send(1000);
    const ends = await endOffsets();
    const control = await readControlTopic();
    const handedToTheEnd = () =>
      control.messages
        .filter((m) => m.member.includes(`/${survivor.pid}/`))
        .flatMap((m) => m.handovers.flatMap((h) => h.ranges))
        .some((r) => r.to === ends.get(r.partition));
    await until(
      'the survivor to hand over its last records',
      () => (handedToTheEnd() ? true : undefined),
      60_000,
    );
    await control.stop();
    expect(await inTable()).toBeLessThan(produced);

    // The committer dies with them: the survivor gets every partition when its session ends.
    committer.kill('SIGKILL');
    await until(
      'the survivor to commit every record',
      async () => ((await inTable()) === produced ? true : undefined),
      120_000,
      () => agentOutputTail(survivor),
    );
    expect(agentOutputTail(survivor, 20_000)).toContain('hand-overs no committer took; reading them again');
    expect(await verify(namespace, { catalog: 'rest' })).toEqual({
      rows: produced,
      distinctCoordinates: produced,
      distinctSeq: produced,
      minSeq: 0,
      maxSeq: produced - 1,
      wrongPayloads: 0,
    });
  });
});
