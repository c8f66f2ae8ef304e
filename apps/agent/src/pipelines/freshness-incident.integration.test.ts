import { randomBytes } from 'node:crypto';
import { evaluateContracts, recordAgentEvents } from '@floe/api';
import { exampleContract, scratchOrganization, startWebhookReceiver } from '@floe/api/testing';
import { RestCatalog } from '@floe/iceberg';
import { createKafka } from '@floe/ingest';
import { pipelineSpecSchema } from '@floe/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPipeline } from '../policy/check-job';
import { stackPolicy, stackSecrets } from '../testing/stack-policy';
import { decoderFor } from './decoder';
import { pipelineHosts } from './host';
import { PipelineSupervisor } from './supervisor';

// The freshness promise end to end, in real time: a pipeline runs on the local stack and its agent's
// commit reports reach the control plane's database; the evaluator runs each minute. Stopping the
// agent makes freshness grow past the 1-minute SLO, which opens an incident and fires the webhook;
// restarting it closes the incident and fires the recovery.

const env = process.env;
const run = randomBytes(4).toString('hex');
const topic = `fresh-${run}`;
const kafka = createKafka({
  brokers: (env.FLOE_KAFKA_BROKERS as string).split(','),
  clientId: 'fresh',
  logLevel: 'error',
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

describe('a stopped agent breaches the freshness SLO: incident and webhook, then recovery', () => {
  it('opens and resolves an incident from real commit reports', { timeout: 10 * 60_000 }, async () => {
    env.FLOE_ALERTS_ALLOW_PRIVATE_NETWORKS = 'true';
    const fixture = await scratchOrganization({ 'admin@acme.test': 'ADMIN' });
    cleanups.push(() => fixture.close());
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    const { db } = fixture;
    const admin = fixture.as('admin@acme.test');

    const admin2 = kafka.admin();
    await admin2.connect();
    await admin2.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin2.disconnect();
    const namespace = `fresh_${run}`;
    await new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string }).createNamespace([namespace]);
    const spec = pipelineSpecSchema.parse({
      id: `pl-fresh-${run}`,
      name: 'fresh',
      version: 1,
      source: { bootstrapServers: (env.FLOE_KAFKA_BROKERS as string).split(','), topics: [topic] },
      format: { value: 'json' },
      table: {
        catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
        namespace: [namespace],
        name: 'events',
        storage: {
          bucket: env.FLOE_WAREHOUSE_BUCKET,
          prefix: 'fresh',
          region: env.FLOE_AWS_REGION,
          endpoint: env.FLOE_S3_ENDPOINT,
        },
      },
      commit: { intervalSeconds: 1 },
      deadLetter: { policy: 'skip' },
    });
    const agent = await db.agent.create({
      data: { id: `ag-fresh-${run}`, organizationId: fixture.org.id, name: 'fresh' },
    });
    await db.pipeline.create({
      data: {
        id: spec.id,
        organizationId: fixture.org.id,
        name: 'fresh',
        status: 'RUNNING',
        agentId: agent.id,
        currentVersion: 1,
        versions: { create: { version: 1, spec, createdById: fixture.ids['admin@acme.test'] as string } },
      },
    });
    await admin.contract.save({
      orgSlug: 'acme',
      pipelineId: spec.id,
      contract: { ...exampleContract, slo: { freshnessMinutes: 1, targetPercent: 99, windowDays: 30 } },
    });
    await admin.contract.alerts.create({
      orgSlug: 'acme',
      pipelineId: spec.id,
      kind: 'webhook',
      url: receiver.url('/hook'),
    });

    // The agent's reports go where the events API would put them.
    const reporter = {
      report: (event: object) =>
        void recordAgentEvents(db, agent, { protocolVersion: 1, sentAtMs: Date.now(), events: [event] }),
    };
    const awsEnv = {
      AWS_ACCESS_KEY_ID: env.FLOE_AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.FLOE_AWS_SECRET_ACCESS_KEY,
    };
    Object.assign(env, awsEnv);
    const startAgent = () => {
      const policy = stackPolicy();
      const supervisor = new PipelineSupervisor(
        pipelineHosts({ secrets: stackSecrets(policy), decoderFor, events: reporter, log: () => {} }),
        () => {},
        (s) => checkPipeline(s, policy),
      );
      void supervisor.apply(spec);
      return supervisor;
    };
    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const produce = () =>
      producer.send({
        topic,
        messages: Array.from({ length: 20 }, (_, i) => ({ value: JSON.stringify({ i, at: Date.now() }) })),
      });

    let agentRunning = startAgent();
    cleanups.push(() => agentRunning.stopAll());
    const incidents = () => db.incident.findMany({ where: { pipelineId: spec.id } });
    const evaluateFor = async (ms: number, until: () => Promise<boolean>) => {
      const deadline = Date.now() + ms;
      while (!(await until())) {
        if (Date.now() > deadline) return false;
        await produce();
        await evaluateContracts(db, new Date());
        await sleep(5000);
      }
      return true;
    };

    // Running: reports arrive, minutes are evaluated, no incident.
    await evaluateFor(
      60_000,
      async () => (await db.agentEvent.count({ where: { agentId: agent.id, type: 'commit.report' } })) > 2,
    );
    await evaluateContracts(db, new Date());
    expect(await incidents()).toEqual([]);

    // The agent stops; records keep coming; freshness grows past 1 minute.
    await agentRunning.stopAll();
    expect(await evaluateFor(4 * 60_000, async () => (await incidents()).length > 0)).toBe(true);
    const [opened] = await incidents();
    expect(opened?.resolvedAt).toBeNull();
    await evaluateFor(60_000, async () => receiver.received('/hook').length > 0);
    expect(receiver.received('/hook')[0]?.headers['floe-event']).toBe('incident.opened');

    // The agent comes back, catches up, and the incident closes.
    agentRunning = startAgent();
    expect(await evaluateFor(4 * 60_000, async () => (await incidents())[0]?.resolvedAt != null)).toBe(true);
    await evaluateFor(60_000, async () => receiver.received('/hook').length > 1);
    expect(receiver.received('/hook').map((r) => r.headers['floe-event'])).toEqual([
      'incident.opened',
      'incident.resolved',
    ]);
  });
});
