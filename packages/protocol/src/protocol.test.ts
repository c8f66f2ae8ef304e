import { describe, expect, it } from 'vitest';
import {
  agentKeyPattern,
  agentQueueName,
  decodeJobEnvelope,
  IncompatibleJobError,
  PROTOCOL_VERSION,
} from './index';

describe('agent queues', () => {
  it('names the queue and the ACL key pattern from the agent id', () => {
    expect(agentQueueName('prod-eu-1')).toBe('agent-prod-eu-1');
    expect(agentKeyPattern('prod-eu-1')).toBe('floe:agent-prod-eu-1:*');
  });

  it.each(['*', 'a*', 'A1', 'a?b', '', '-lead', 'a:b', 'x'.repeat(64)])('refuses the id %j', (id) => {
    expect(() => agentQueueName(id)).toThrow(/invalid agent id/);
  });
});

describe('job envelopes', () => {
  const job = (protocolVersion: number) => ({
    protocolVersion,
    jobId: 'j-1',
    kind: 'pipeline.start',
    issuedAt: '2026-11-25T07:00:00.000Z',
    payload: { pipelineId: 'p-1' },
  });

  it('accepts a job of this or an older version', () => {
    expect(decodeJobEnvelope(job(PROTOCOL_VERSION)).kind).toBe('pipeline.start');
  });

  it('refuses a job from a newer protocol with an error that says to upgrade', () => {
    expect(() => decodeJobEnvelope(job(PROTOCOL_VERSION + 1))).toThrow(IncompatibleJobError);
    expect(() => decodeJobEnvelope(job(PROTOCOL_VERSION + 1))).toThrow(/upgrade the agent/);
  });

  it('refuses a malformed envelope', () => {
    expect(() => decodeJobEnvelope({ ...job(1), issuedAt: 'yesterday' })).toThrow();
  });
});
