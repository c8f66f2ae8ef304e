import { AGENT_RELEASE } from '@floe/protocol';
import { describe, expect, it } from 'vitest';
import { VERSION } from './version';

describe('agent version', () => {
  // The control plane offers an upgrade to agents older than AGENT_RELEASE: a release bumps both.
  it('is the release the control plane ships with', () => {
    expect(VERSION).toBe(AGENT_RELEASE);
  });
});
