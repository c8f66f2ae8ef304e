import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from './args';

describe('floe-agent arguments', () => {
  it('reads start with flags, or from the environment', () => {
    expect(
      parseArgs(['start', '--control-plane', 'https://floe.example', '--token', 'floe_it_abc'], {}),
    ).toEqual({
      command: 'start',
      controlPlane: new URL('https://floe.example'),
      token: 'floe_it_abc',
    });
    expect(
      parseArgs(['start'], {
        FLOE_CONTROL_PLANE: 'http://127.0.0.1:3000',
        FLOE_TOKEN: 'floe_at_x',
      }),
    ).toMatchObject({
      token: 'floe_at_x',
    });
    expect(parseArgs(['start', '--token=floe_at_y', '--control-plane=https://a.b'])).toMatchObject({
      token: 'floe_at_y',
    });
  });

  it('takes the policy file from --policy or FLOE_AGENT_POLICY, and --permissive only for run', () => {
    const start = ['start', '--control-plane', 'https://a.b', '--token', 'floe_at_x'];
    expect(parseArgs([...start, '--policy', '/etc/floe/policy.yaml'], {})).toMatchObject({
      policyFile: '/etc/floe/policy.yaml',
    });
    expect(parseArgs(start, { FLOE_AGENT_POLICY: '/p.yaml' })).toMatchObject({ policyFile: '/p.yaml' });
    expect(parseArgs(start, {})).not.toHaveProperty('policyFile');
    expect(
      parseArgs(['run', '--pipeline', 's.yaml', '--permissive'], { FLOE_AGENT_POLICY: '/p.yaml' }),
    ).toEqual({
      command: 'run',
      pipeline: 's.yaml',
      metricsPort: 9464,
      permissive: true,
    });
    expect(parseArgs(['run', '--pipeline', 's.yaml'], { FLOE_AGENT_POLICY: '/p.yaml' })).toMatchObject({
      policyFile: '/p.yaml',
    });
  });

  it.each([
    [
      ['start', '--control-plane', 'https://a.b', '--token', 'floe_it_x', '--permissive'],
      'start has no --permissive',
    ],
    [['run', '--pipeline', 's.yaml', '--permissive=yes'], '--permissive takes no value'],
    [
      ['run', '--pipeline', 's.yaml', '--permissive', '--policy', 'p.yaml'],
      '--permissive and --policy exclude',
    ],
    [['start', '--token', 'floe_it_x'], 'start needs --control-plane'],
    [['start', '--control-plane', 'https://a.b'], 'start needs --token'],
    [
      ['start', '--control-plane', 'ftp://a.b', '--token', 'floe_it_x'],
      '--control-plane must be an http(s) URL',
    ],
    [
      ['start', '--control-plane', 'https://a.b', '--token', 'hunter2'],
      '--token must be a Floe install token',
    ],
    [['start', '--control-plane'], '--control-plane needs a value'],
    [['start', '--colour', 'red'], 'start has no --colour'],
    [
      ['start', '--control-plane', 'https://a.b', '--token', 'floe_at_x', '--metrics-port', '99999'],
      '--metrics-port must be a port number, got "99999"',
    ],
    [['run', '--pipeline', 's.yaml', '--metrics-port', 'http'], '--metrics-port must be a port number'],
    [['launch'], 'unknown command "launch"'],
  ])('refuses %j with a message naming the flag', (argv, message) => {
    expect(() => parseArgs(argv, {})).toThrow(UsageError);
    expect(() => parseArgs(argv, {})).toThrow(message);
  });

  it('serves metrics from start only when asked, on the port given', () => {
    const start = ['start', '--control-plane', 'https://a.b', '--token', 'floe_at_x'];
    expect(parseArgs(start, {})).not.toHaveProperty('metricsPort');
    expect(parseArgs([...start, '--metrics-port', '9464'], {})).toMatchObject({ metricsPort: 9464 });
    expect(parseArgs([...start, '--metrics-port=0'], {})).toMatchObject({ metricsPort: 0 });
  });

  it('answers --help and --version', () => {
    expect(parseArgs([])).toEqual({ command: 'help' });
    expect(parseArgs(['--version'])).toEqual({ command: 'version' });
  });
});
