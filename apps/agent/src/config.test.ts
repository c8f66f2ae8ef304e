import { describe, expect, it } from 'vitest';
import { AgentEnvError, parseAgentEnv } from './config';

describe("the agent's environment", () => {
  it('reads its settings, an empty value as unset (what a chart renders for a value left out)', () => {
    expect(
      parseAgentEnv({
        FLOE_CONTROL_PLANE: 'https://floe.example',
        FLOE_AGENT_POLICY: '',
        FLOE_KAFKA_SESSION_TIMEOUT_MS: '8000',
        HOME: '/home/floe',
      }),
    ).toEqual({ FLOE_CONTROL_PLANE: 'https://floe.example', FLOE_KAFKA_SESSION_TIMEOUT_MS: 8000 });
  });

  it.each([
    ['FLOE_CONTROL_PLANE', 'floe.example', 'must be an http(s) URL'],
    ['FLOE_KAFKA_SESSION_TIMEOUT_MS', '1000', 'must be at least 6000'],
    ['FLOE_KAFKA_SESSION_TIMEOUT_MS', '8.5', 'must be a whole number of milliseconds'],
    ['AWS_ENDPOINT_URL', 'ftp://s3.local', 'must be an http(s) URL'],
  ])('names a malformed %s (%s)', (name, value, why) => {
    const attempt = () => parseAgentEnv({ [name]: value });
    expect(attempt).toThrow(AgentEnvError);
    expect(attempt).toThrow(`${name}: ${why}`);
  });
});
