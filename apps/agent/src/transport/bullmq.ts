import type { EnrollmentFor } from '@floe/protocol';
import { BullJobQueue } from '@floe/protocol/bullmq';

/**
 * A single-tenant install's agent takes its jobs straight from BullMQ, as its own Redis ACL user (the
 * same queue handling the control plane runs behind its HTTPS API). BullMQ opens and closes the connections.
 */
export function bullmqJobTransport(
  credentials: EnrollmentFor<'bullmq'>,
  log: (message: string) => void = () => {},
): BullJobQueue {
  const url = new URL(credentials.redis.url);
  return new BullJobQueue(
    credentials.agentId,
    {
      host: url.hostname,
      port: Number(url.port || 6379),
      tls: url.protocol === 'rediss:' ? {} : undefined,
      username: credentials.redis.username,
      password: credentials.redis.password,
      // The ACL grants no INFO: skip the ready check and BullMQ's version check that use it.
      enableReadyCheck: false,
    },
    { skipVersionCheck: true, onError: (error) => log(`job queue: ${error.message}`) },
  );
}
