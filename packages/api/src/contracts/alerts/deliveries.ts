import type { PrismaClient } from '@floe/db';
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

/**
 * Sends the deliveries that are due. Each is claimed first (its next attempt pushed out), so with
 * several control-plane instances exactly one sends it; a failure is retried with backoff.
 */
export async function deliverDueAlerts(db: PrismaClient, now: Date) {
  const due = await db.alertDelivery.findMany({
    where: { nextAttemptAt: { lte: now } },
    include: { destination: true },
    orderBy: { nextAttemptAt: 'asc' },
    take: 50,
  });
  const outcomes = await Promise.all(
    due.map(async (delivery) => {
      const claim = await db.alertDelivery.updateMany({
        where: { id: delivery.id, nextAttemptAt: delivery.nextAttemptAt },
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
    }),
  );
  return {
    delivered: outcomes.filter((o) => o === 'delivered').length,
    failed: outcomes.filter((o) => o === 'failed').length,
  };
}
