import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleContract, seedPipeline } from '../testing/contracted-pipeline';
import { scratchOrganization } from '../testing/scratch-organization';
import { startWebhookReceiver } from '../testing/webhook-receiver';
import { deliverDueAlerts } from './alerts/deliveries';
import { MAX_DESTINATIONS_PER_CONTRACT } from './alerts/router';
import { sealSecret } from './alerts/secret-box';
import { evaluateFreshness } from './evaluate';

/** A receiver that accepts the request and answers one byte every 500 ms, forever. */
async function startSlowDrip() {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const answer = 'HTTP/1.1 200 OK\r\n'.repeat(1000);
    let sent = 0;
    const drip = setInterval(() => {
      if (socket.destroyed) return clearInterval(drip);
      socket.write(answer[sent++ % answer.length] as string);
    }, 500);
    socket.on('error', () => clearInterval(drip));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((done) => server.close(() => done()));
    },
  };
}

describe('contract evaluation and alerts: one organization or pipeline cannot hold up another', () => {
  let fixture: Awaited<ReturnType<typeof scratchOrganization>>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let drip: Awaited<ReturnType<typeof startSlowDrip>>;
  const admin = () => fixture.as('admin@acme.test');

  /** A due delivery of `pipelineId`'s contract to `url` (a destination and an open incident of its own). */
  async function dueDelivery(pipelineId: string, url: string, count = 1) {
    const db = fixture.db;
    const contract = await db.contract.findUniqueOrThrow({ where: { pipelineId } });
    const destination = await db.alertDestination.create({
      data: {
        contractId: contract.id,
        kind: 'webhook',
        url,
        signingSecretEncrypted: sealSecret('whsec_test'),
        createdById: 'x',
      },
    });
    const incident = await db.incident.create({ data: { pipelineId, startedAt: new Date(), sloMinutes: 5 } });
    await db.alertDelivery.createMany({
      data: Array.from({ length: count }, () => ({
        destinationId: destination.id,
        incidentId: incident.id,
        event: 'incident.opened',
        body: '{}',
        nextAttemptAt: new Date(Date.now() - 60_000),
      })),
    });
    return destination.id;
  }

  beforeAll(async () => {
    process.env.FLOE_ALERTS_ALLOW_PRIVATE_NETWORKS = 'true';
    [fixture, receiver, drip] = await Promise.all([
      scratchOrganization({ 'admin@acme.test': 'ADMIN' }),
      startWebhookReceiver(),
      startSlowDrip(),
    ]);
    const adminId = fixture.ids['admin@acme.test'] as string;
    await seedPipeline(fixture.db, fixture.org.id, adminId, { id: 'pl-a', name: 'a' });
    await admin().contract.save({ orgSlug: 'acme', pipelineId: 'pl-a', contract: exampleContract });
    const other = await fixture.db.organization.create({ data: { slug: 'globex', name: 'Globex' } });
    await seedPipeline(fixture.db, other.id, adminId, { id: 'pl-b', name: 'b' });
    await fixture.db.contract.create({
      data: {
        pipelineId: 'pl-b',
        currentVersion: 1,
        versions: { create: { version: 1, body: exampleContract as object, createdById: adminId } },
      },
    });
  });

  afterAll(async () => {
    delete process.env.FLOE_ALERTS_ALLOW_PRIVATE_NETWORKS;
    await drip?.close();
    await receiver?.close();
    await fixture?.close();
  });

  it('gives a slow-drip receiver one deadline, while another organization’s alert and evaluation go on', async () => {
    const baselineStart = performance.now();
    await evaluateFreshness(fixture.db, new Date());
    const baselineMs = performance.now() - baselineStart;

    const slow = await dueDelivery('pl-a', drip.url);
    await dueDelivery('pl-b', receiver.url('/globex'));
    const started = performance.now();
    const delivering = deliverDueAlerts(fixture.db, new Date());

    // Evaluation meanwhile takes as long as without the slow receiver (it does not wait for deliveries).
    const evaluationStart = performance.now();
    await evaluateFreshness(fixture.db, new Date(Date.now() + 60_000));
    const evaluationMs = performance.now() - evaluationStart;
    expect(evaluationMs).toBeLessThan(baselineMs + 2_000);
    // The other organization's receiver has its alert long before the slow one gives up.
    await expect.poll(() => receiver.received('/globex').length, { timeout: 3_000 }).toBe(1);
    expect(performance.now() - started).toBeLessThan(5_000);

    expect(await delivering).toEqual({ delivered: 1, failed: 1 });
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeGreaterThan(9_500);
    expect(elapsedMs).toBeLessThan(15_000);
    const failed = await fixture.db.alertDelivery.findFirstOrThrow({ where: { destinationId: slow } });
    expect(failed).toMatchObject({ attempts: 1, lastStatus: null, lastError: 'no answer within 10 s' });
    expect(failed.nextAttemptAt).not.toBeNull();
  });

  it('takes a few deliveries per organization per pass, so a backlog does not starve another organization', async () => {
    await fixture.db.alertDelivery.deleteMany();
    await dueDelivery('pl-a', receiver.url('/backlog'), 40);
    await dueDelivery('pl-b', receiver.url('/one'));
    expect(await deliverDueAlerts(fixture.db, new Date())).toEqual({ delivered: 6, failed: 0 });
    expect(receiver.received('/one').length).toBe(1);
    expect(receiver.received('/backlog').length).toBe(5);
  });

  it('evaluates the other pipelines while one is stuck (each in a transaction of its own)', async () => {
    const hourAgo = new Date(Date.now() - 60 * 60_000);
    await fixture.db.contract.updateMany({ data: { createdAt: hourAgo } });
    await fixture.db.freshnessState.deleteMany();
    await fixture.db.freshnessState.create({ data: { pipelineId: 'pl-a', evaluatedUntil: hourAgo } });
    // Another session holds pl-a's state (a flooded pipeline's long evaluation, say).
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holder = fixture.db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT 1 FROM "FreshnessState" WHERE "pipelineId" = 'pl-a' FOR UPDATE`;
        await held;
      },
      { timeout: 30_000 },
    );
    await new Promise((r) => setTimeout(r, 200));
    const evaluation = evaluateFreshness(fixture.db, new Date());
    // pl-b (after pl-a in the evaluator's order) is evaluated meanwhile.
    await expect
      .poll(
        async () => (await fixture.db.freshnessState.findUnique({ where: { pipelineId: 'pl-b' } })) !== null,
        {
          timeout: 10_000,
        },
      )
      .toBe(true);
    release();
    await holder;
    expect(await evaluation).toMatchObject({ evaluated: 2, skipped: 0, failures: [] });
  });

  it(`caps a contract at ${MAX_DESTINATIONS_PER_CONTRACT} destinations`, async () => {
    const existing = await fixture.db.alertDestination.count({ where: { contract: { pipelineId: 'pl-a' } } });
    for (let i = existing; i < MAX_DESTINATIONS_PER_CONTRACT; i++) {
      await admin().contract.alerts.create({
        orgSlug: 'acme',
        pipelineId: 'pl-a',
        kind: 'webhook',
        url: receiver.url(`/d${i}`),
      });
    }
    await expect(
      admin().contract.alerts.create({
        orgSlug: 'acme',
        pipelineId: 'pl-a',
        kind: 'webhook',
        url: receiver.url('/x'),
      }),
    ).rejects.toMatchObject({ code: 'PRECONDITION_FAILED', message: /at most 10 destinations/ });
  });
});
