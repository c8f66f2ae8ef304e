import {
  agentEventBatchSchema,
  claimRequestSchema,
  completeRequestSchema,
  enrollRequestSchema,
  failRequestSchema,
  heartbeatRequestSchema,
} from '@floe/protocol';
import { describe, expect, it } from 'vitest';
import { type Schema, unboundedParts } from '../testing/unbounded';

// Everything an agent sends the control plane, which reads it before knowing whether the agent is
// honest: each string and array has a maximum, so no agent can make one message as large as it likes.
const agentMessages = {
  enroll: enrollRequestSchema,
  events: agentEventBatchSchema,
  claim: claimRequestSchema,
  heartbeat: heartbeatRequestSchema,
  complete: completeRequestSchema,
  fail: failRequestSchema,
};

describe('every message an agent sends is bounded', () => {
  it('has a maximum on every string and array', () => {
    const unbounded = Object.entries(agentMessages).flatMap(([name, schema]) =>
      unboundedParts(schema as unknown as Schema).map((part) => `${name} ${part}`),
    );
    expect(unbounded).toEqual([]);
  });
});
