import { OFFLINE_AFTER_SECONDS } from '@floe/protocol';
import { z } from 'zod';

export const agentStatusSchema = z.enum(['awaiting-install', 'online', 'offline', 'revoked']);

/** What the Agents page says of an agent, from its row. */
export function agentStatus(
  a: { revokedAt: Date | null; enrolledAt: Date | null; lastHeartbeatAt: Date | null },
  now = Date.now(),
): z.infer<typeof agentStatusSchema> {
  if (a.revokedAt) return 'revoked';
  if (!a.enrolledAt) return 'awaiting-install';
  return a.lastHeartbeatAt && a.lastHeartbeatAt.getTime() > now - OFFLINE_AFTER_SECONDS * 1000
    ? 'online'
    : 'offline';
}
