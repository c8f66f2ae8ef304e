import { describe, expect, it } from 'vitest';
import { agentTransport } from './agent-transport';

describe('the transport new agents are enrolled for', () => {
  it('is HTTPS unless the install asks for BullMQ', () => {
    expect(agentTransport({})).toEqual({ transport: 'https' });
    expect(agentTransport({ FLOE_AGENT_TRANSPORT: 'https', REDIS_URL: 'redis://admin:x@r:6379' })).toEqual({
      transport: 'https',
    });
  });

  it('is BullMQ at the agents’ Redis address for a single-tenant install', () => {
    expect(
      agentTransport({
        FLOE_AGENT_TRANSPORT: 'bullmq',
        REDIS_URL: 'redis://admin:x@10.0.0.5:6379',
        FLOE_AGENT_REDIS_URL: 'rediss://redis.example.com:6380',
      }),
    ).toEqual({ transport: 'bullmq', redisUrl: 'rediss://redis.example.com:6380' });
    expect(agentTransport({ FLOE_AGENT_TRANSPORT: 'bullmq', REDIS_URL: 'redis://admin:x@r:6379' })).toEqual({
      transport: 'bullmq',
      redisUrl: 'redis://admin:x@r:6379',
    });
  });

  it('names the variable when it is wrong', () => {
    expect(() => agentTransport({ FLOE_AGENT_TRANSPORT: 'grpc' })).toThrow(
      'FLOE_AGENT_TRANSPORT must be https or bullmq, not "grpc"',
    );
    expect(() => agentTransport({ FLOE_AGENT_TRANSPORT: 'bullmq' })).toThrow(
      'FLOE_AGENT_TRANSPORT=bullmq needs FLOE_AGENT_REDIS_URL or REDIS_URL',
    );
  });
});
