import { describe, expect, it } from 'vitest';
import { agentTransport } from './agent-transport';
import { parseWebEnv } from './env';

const base = {
  DATABASE_URL: 'postgresql://floe:x@db:5432/floe',
  REDIS_URL: 'redis://admin:x@10.0.0.5:6379',
  NEXTAUTH_SECRET: 'a secret of sixteen characters or more',
};

describe('the transport new agents are enrolled for', () => {
  it('is HTTPS unless the install asks for BullMQ', () => {
    expect(agentTransport(parseWebEnv(base))).toEqual({ transport: 'https' });
    expect(agentTransport(parseWebEnv({ ...base, FLOE_AGENT_TRANSPORT: 'https' }))).toEqual({
      transport: 'https',
    });
  });

  it('is BullMQ at the agents’ Redis address for a single-tenant install', () => {
    expect(
      agentTransport(
        parseWebEnv({
          ...base,
          FLOE_AGENT_TRANSPORT: 'bullmq',
          FLOE_AGENT_REDIS_URL: 'rediss://redis.example.com:6380',
        }),
      ),
    ).toEqual({ transport: 'bullmq', redisUrl: 'rediss://redis.example.com:6380' });
    expect(agentTransport(parseWebEnv({ ...base, FLOE_AGENT_TRANSPORT: 'bullmq' }))).toEqual({
      transport: 'bullmq',
      redisUrl: 'redis://admin:x@10.0.0.5:6379',
    });
  });
});
