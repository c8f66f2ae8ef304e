import { createHmac } from 'node:crypto';
import { createPrismaClient, type PrismaClient } from '@floe/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleContract, seedPipeline } from '../testing/contracted-pipeline';
import { scratchOrganization } from '../testing/scratch-organization';
import { type ReceivedRequest, startWebhookReceiver } from '../testing/webhook-receiver';
import { EVALUATION_LOCK_CLASS, evaluateContracts } from './evaluate';

// A replayed hour: minute n of it starts at T0 + n minutes, in the past so nothing is in our future.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;
const at = (minute: number) => new Date(T0 + minute * 60_000);
/** The evaluator's run a few seconds after minute `minute` began (so minute `minute - 1` has ended). */
const runAt = (minute: number) => new Date(T0 + minute * 60_000 + 5_000);

/** Checks a Floe-Signature header the way a receiver would: HMAC-SHA256 of "<t>.<body>". */
function signatureIsValid(request: ReceivedRequest, secret: string, nowMs: number) {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(request.headers['floe-signature']));
  if (!match) return false;
  const [, t, v1] = match;
  const fresh = Math.abs(nowMs / 1000 - Number(t)) < 300;
  return fresh && createHmac('sha256', secret).update(`${t}.${request.body}`).digest('hex') === v1;
}

describe('contract evaluation every minute, with incidents and signed alerts', () => {
  let fixture: Awaited<ReturnType<typeof scratchOrganization>>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let db: PrismaClient;
  // A second control-plane instance on the same database.
  let otherInstance: PrismaClient;
  let agentId = '';
  const secrets: Record<string, string> = {};
  const admin = () => fixture.as('admin@acme.test');

  /** The agent's commit report at `minute`: partition 0 caught up to then, partition 1 idle for a day. */
  async function report(minute: number) {
    const committedAtMs = at(minute).getTime();
    const partitions = [
      { committedOffset: String(minute * 10), newestCommittedRecordMs: committedAtMs - 1000 },
      { committedOffset: '500', newestCommittedRecordMs: T0 - 86_400_000 },
    ].map((p, partition) => ({ topic: 'orders.v1', partition, logEndOffset: p.committedOffset, ...p }));
    const payload = {
      type: 'commit.report',
      pipelineId: 'pl-1',
      table: 'sales.orders',
      snapshotId: String(minute * 10),
      committedAtMs,
      records: 10,
      bytes: 100,
      dataFiles: 1,
      deadLettered: 0,
      partitions,
    };
    await db.agentEvent.create({
      data: { agentId, type: 'commit.report', payload, sentAt: at(minute), receivedAt: at(minute) },
    });
  }

  beforeAll(async () => {
    process.env.FLOE_ALERTS_ALLOW_PRIVATE_NETWORKS = 'true';
    [fixture, receiver] = await Promise.all([
      scratchOrganization({ 'admin@acme.test': 'ADMIN' }),
      startWebhookReceiver(),
    ]);
    db = fixture.db;
    ({ agentId } = await seedPipeline(db, fixture.org.id, fixture.ids['admin@acme.test'] as string));
    await admin().contract.save({ orgSlug: 'acme', pipelineId: 'pl-1', contract: exampleContract });
    // The contract has held since minute 0 of the replayed hour.
    await db.contract.update({ where: { pipelineId: 'pl-1' }, data: { createdAt: at(0) } });
    for (const [path, kind] of [
      ['/webhook', 'webhook'],
      ['/slack', 'slack'],
      ['/flaky', 'webhook'],
    ] as const) {
      const created = await admin().contract.alerts.create({
        orgSlug: 'acme',
        pipelineId: 'pl-1',
        kind,
        url: receiver.url(path),
      });
      secrets[path] = created.signingSecret;
    }
    otherInstance = createPrismaClient(fixture.url);
  });

  afterAll(async () => {
    delete process.env.FLOE_ALERTS_ALLOW_PRIVATE_NETWORKS;
    await otherInstance?.$disconnect();
    await receiver?.close();
    await fixture?.close();
  });

  it('measures each minute: fresh while the agent reports, growing once it stops', async () => {
    for (let minute = 0; minute < 10; minute++) {
      await report(minute + 0.5);
      await evaluateContracts(db, runAt(minute + 1));
    }
    const health = await admin().contract.health({ orgSlug: 'acme', pipelineId: 'pl-1' });
    expect(health?.compliance).toMatchObject({
      evaluatedMinutes: 10,
      minutesWithinSlo: 10,
      compliancePercent: 100,
    });
    expect(health?.incidents).toEqual([]);
    // Reports stop after minute 9.5: at the end of minute 14 the table is 5.5 minutes behind.
    for (let minute = 10; minute < 14; minute++) await evaluateContracts(db, runAt(minute + 1));
    expect(await db.incident.count()).toBe(0);
  });

  it('leaves a pipeline to the instance that holds its lock', async () => {
    await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${EVALUATION_LOCK_CLASS}::int, hashtext('pl-1'))`;
      expect(await evaluateContracts(otherInstance, runAt(15))).toMatchObject({ evaluated: 0, skipped: 1 });
    });
    expect(await db.freshnessState.findUniqueOrThrow({ where: { pipelineId: 'pl-1' } })).toMatchObject({
      evaluatedUntil: at(14),
    });
  });

  it('opens an incident past the SLO (once, with two instances at it) and announces it, signed', async () => {
    receiver.answer('/flaky', 500, 500);
    await Promise.all([evaluateContracts(db, runAt(15)), evaluateContracts(otherInstance, runAt(15))]);
    const [incident, ...more] = await db.incident.findMany();
    expect(more).toEqual([]);
    expect(incident).toMatchObject({ startedAt: at(14), resolvedAt: null, peakSeconds: 330, sloMinutes: 5 });

    const [opened, ...again] = receiver.received('/webhook');
    expect(again).toEqual([]);
    expect(opened?.headers['floe-event']).toBe('incident.opened');
    expect(
      signatureIsValid(opened as ReceivedRequest, secrets['/webhook'] as string, runAt(15).getTime()),
    ).toBe(true);
    expect(
      signatureIsValid(opened as ReceivedRequest, secrets['/slack'] as string, runAt(15).getTime()),
    ).toBe(false);
    expect(JSON.parse(opened?.body ?? '')).toMatchObject({
      type: 'incident.opened',
      table: 'sales.orders',
      incident: {
        id: incident?.id,
        startedAt: at(14).toISOString(),
        resolvedAt: null,
        peakFreshnessSeconds: 330,
      },
      slo: { freshnessMinutes: 5 },
    });
    const slack = JSON.parse(receiver.received('/slack')[0]?.body ?? '{}');
    expect(Object.keys(slack)).toEqual(['text']);
    expect(slack.text).toContain('*sales.orders* broke its freshness promise');
  });

  it('retries a failing receiver with backoff until it accepts', async () => {
    expect(receiver.received('/flaky').length).toBe(1);
    await evaluateContracts(db, runAt(16)); // 1 minute after the first failure: second attempt, 500 again
    expect(receiver.received('/flaky').length).toBe(2);
    await evaluateContracts(db, runAt(17)); // the next attempt is 2 minutes after the second
    expect(receiver.received('/flaky').length).toBe(2);
    await evaluateContracts(db, runAt(18));
    const attempts = receiver.received('/flaky');
    expect(attempts.length).toBe(3);
    expect(new Set(attempts.map((a) => a.headers['floe-delivery'])).size).toBe(1);
    // Each attempt is signed afresh, with its own timestamp.
    expect(
      attempts.map((a, i) =>
        signatureIsValid(a, secrets['/flaky'] as string, runAt([15, 16, 18][i] as number).getTime()),
      ),
    ).toEqual([true, true, true]);
    const delivery = await db.alertDelivery.findFirstOrThrow({
      where: { destination: { url: receiver.url('/flaky') } },
    });
    expect(delivery).toMatchObject({
      attempts: 3,
      lastStatus: 200,
      nextAttemptAt: null,
      deliveredAt: runAt(18),
    });
  });

  it('resolves the incident when reports resume, and announces that too', async () => {
    await evaluateContracts(db, runAt(19));
    await evaluateContracts(db, runAt(20));
    await report(20.5);
    await evaluateContracts(db, runAt(21));
    const incident = await db.incident.findFirstOrThrow();
    // Worst at the end of minute 19: 20 - 9.5 minutes.
    expect(incident).toMatchObject({ startedAt: at(14), resolvedAt: at(20), peakSeconds: 630 });

    const resolved = receiver.received('/webhook')[1];
    expect(resolved?.headers['floe-event']).toBe('incident.resolved');
    expect(
      signatureIsValid(resolved as ReceivedRequest, secrets['/webhook'] as string, runAt(21).getTime()),
    ).toBe(true);
    expect(JSON.parse(resolved?.body ?? '')).toMatchObject({
      incident: { resolvedAt: at(20).toISOString(), peakFreshnessSeconds: 630 },
    });

    const health = await admin().contract.health({ orgSlug: 'acme', pipelineId: 'pl-1' });
    // Minutes 0-20 evaluated; 14-19 beyond the SLO. A 99% budget over 30 days is 432 minutes.
    expect(health?.compliance).toMatchObject({
      evaluatedMinutes: 21,
      minutesWithinSlo: 15,
      budgetMinutes: 432,
      budgetLeftMinutes: 426,
    });
    expect(health?.incidents.map((i) => i.peakSeconds)).toEqual([630]);
  });

  it('evaluates each minute once, however often it runs', async () => {
    const before = await db.freshnessState.findUniqueOrThrow({ where: { pipelineId: 'pl-1' } });
    await evaluateContracts(db, runAt(21));
    await evaluateContracts(db, runAt(21));
    expect(await db.freshnessState.findUniqueOrThrow({ where: { pipelineId: 'pl-1' } })).toEqual(before);
    const health = await admin().contract.health({ orgSlug: 'acme', pipelineId: 'pl-1' });
    expect(health?.compliance.evaluatedMinutes).toBe(21);
  });

  it('goes on with the other pipelines when one contract cannot be read', async () => {
    const adminId = fixture.ids['admin@acme.test'] as string;
    await seedPipeline(db, fixture.org.id, adminId, { id: 'pl-2', name: 'refunds' });
    await db.contract.create({
      data: {
        pipelineId: 'pl-2',
        currentVersion: 1,
        versions: { create: { version: 1, body: { slo: 'unreadable' }, createdById: adminId } },
      },
    });
    const { failures } = await evaluateContracts(db, runAt(23));
    expect(failures.map((f) => f.pipelineId)).toEqual(['pl-2']);
    expect(await db.freshnessState.findMany({ select: { pipelineId: true, evaluatedUntil: true } })).toEqual([
      { pipelineId: 'pl-1', evaluatedUntil: at(23) },
    ]);
  });
});
