import type { Prisma, PrismaClient } from '@floe/db';
import { runLimited } from '../../background/limited';
import type { Db } from '../reports';
import { type AlertKind, alertBody, type IncidentNotice } from './messages';
import { post } from './post';
import { openSecret } from './secret-box';
import { signatureHeader } from './signature';

const MAX_ATTEMPTS = 10;
/** Minutes to wait after the n-th failed attempt: 1, 2, 4, ... at most 60 (about 5 hours in all). */
const retryDelayMinutes = (attempt: number) => Math.min(2 ** (attempt - 1), 60);
// A claimed delivery whose sender died is tried again after this.
const CLAIM_MS = 5 * 60_000;

interface Destination {
  id: string;
  kind: string;
  url: string;
  signingSecretEncrypted: string;
}

/** Sends one signed message now; resolves with the receiver's HTTP status. */
export function sendAlert(
  destination: Destination,
  message: { id: string; event: string; body: string },
  now: Date,
) {
  return post(destination.url, message.body, {
    'Content-Type': 'application/json',
    'User-Agent': 'Floe-Alerts/1',
    'Floe-Event': message.event,
    // The same on every attempt, so a receiver can drop a repeat.
    'Floe-Delivery': message.id,
    'Floe-Signature': signatureHeader(
      openSecret(destination.signingSecretEncrypted),
      message.body,
      now.getTime(),
    ),
  });
}

/** Queues the notice for each destination, to be sent by `deliverDueAlerts` right away. */
export async function announce(db: Db, destinations: Destination[], notice: IncidentNotice, now: Date) {
  if (destinations.length === 0) return;
  await db.alertDelivery.createMany({
    data: destinations.map((d) => ({
      destinationId: d.id,
      incidentId: notice.incident.id,
      event: notice.event,
      body: alertBody(d.kind as AlertKind, notice),
      nextAttemptAt: now,
    })),
  });
}

// Each pass takes the due deliveries a few per organization (oldest first within each), so one
// organization's backlog or slow receivers never starve another's; organizations are served side by
// side, each with few requests at once, and every request has a total deadline (post.ts).
const PER_ORGANIZATION_PER_PASS = 5;
const PER_ORGANIZATION_AT_ONCE = 2;
const ORGANIZATIONS_AT_ONCE = 16;
const PASS_SIZE = 500;

type DueDelivery = Prisma.AlertDeliveryGetPayload<{ include: { destination: true } }>;

async function dueFairly(db: PrismaClient, now: Date) {
  const picked = await db.$queryRaw<{ id: string; organizationId: string }[]>`
    SELECT id, "organizationId" FROM (
      SELECT d.id, p."organizationId", d."nextAttemptAt",
             ROW_NUMBER() OVER (PARTITION BY p."organizationId" ORDER BY d."nextAttemptAt") AS rank
      FROM "AlertDelivery" d
      JOIN "AlertDestination" a ON a.id = d."destinationId"
      JOIN "Contract" c ON c.id = a."contractId"
      JOIN "Pipeline" p ON p.id = c."pipelineId"
      WHERE d."nextAttemptAt" <= ${now}
    ) due
    WHERE rank <= ${PER_ORGANIZATION_PER_PASS}
    ORDER BY rank, "nextAttemptAt"
    LIMIT ${PASS_SIZE}`;
  const rows = await db.alertDelivery.findMany({
    where: { id: { in: picked.map((p) => p.id) } },
    include: { destination: true },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const byOrganization = new Map<string, DueDelivery[]>();
  for (const { id, organizationId } of picked) {
    const row = byId.get(id);
    if (row) byOrganization.set(organizationId, [...(byOrganization.get(organizationId) ?? []), row]);
  }
  return [...byOrganization.values()];
}

/**
 * Claims one delivery (its next attempt pushed out, so with several control-plane instances exactly
 * one sends it), sends it, and records the outcome; a failure is retried with backoff. The claim
 * checks the row is still due as it updates it, not that it still holds the value this instance read:
 * an instance that read the row after another claimed or delivered it would match that value.
 */
async function deliver(db: PrismaClient, delivery: DueDelivery, now: Date) {
  const claim = await db.alertDelivery.updateMany({
    where: { id: delivery.id, nextAttemptAt: { lte: now } },
    data: { nextAttemptAt: new Date(now.getTime() + CLAIM_MS) },
  });
  if (claim.count === 0) return 'claimed elsewhere';
  const attempts = delivery.attempts + 1;
  let status: number | null = null;
  let error: string;
  try {
    status = await sendAlert(delivery.destination, delivery, now);
    error = `HTTP ${status}`;
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const delivered = status !== null && status >= 200 && status < 300;
  const retryAt =
    delivered || attempts >= MAX_ATTEMPTS
      ? null
      : new Date(now.getTime() + retryDelayMinutes(attempts) * 60_000);
  await db.alertDelivery.update({
    where: { id: delivery.id },
    data: {
      attempts,
      lastStatus: status,
      lastError: delivered ? null : error.slice(0, 500),
      deliveredAt: delivered ? now : null,
      nextAttemptAt: retryAt,
    },
  });
  return delivered ? 'delivered' : 'failed';
}

/** Sends the deliveries that are due, fairly across organizations. */
export async function deliverDueAlerts(db: PrismaClient, now: Date) {
  const organizations = await dueFairly(db, now);
  const outcomes = (
    await runLimited(organizations, ORGANIZATIONS_AT_ONCE, async (deliveries) =>
      runLimited(deliveries, PER_ORGANIZATION_AT_ONCE, (delivery) => deliver(db, delivery, now)),
    )
  ).flatMap((lane) => (lane.status === 'fulfilled' ? lane.value : [lane]));
  const count = (outcome: string) =>
    outcomes.filter((o) => o.status === 'fulfilled' && o.value === outcome).length;
  return {
    delivered: count('delivered'),
    failed: count('failed') + outcomes.filter((o) => o.status === 'rejected').length,
  };
}
