import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };

// The CLI as a user runs it: a separate process, exit codes and output included.
const stateDir = mkdtempSync(join(tmpdir(), 'floe-agent-cli-'));
const cliWith = (env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'cli.ts'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, FLOE_AGENT_STATE_DIR: stateDir, FLOE_AGENT_POLICY: '', ...env },
    timeout: 30_000,
  });
const cli = (...args: string[]) => cliWith({}, ...args);

describe('floe-agent', () => {
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('prints its version and its usage', () => {
    expect(cli('--version')).toMatchObject({ status: 0, stdout: `${packageJson.version}\n` });
    const help = cli('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('floe-agent start --control-plane <url> --token');
  });

  it('exits 2 naming the flag that is wrong', () => {
    const result = cli('start', '--token', 'floe_it_x', '--control-plane', 'ftp://floe.example');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--control-plane must be an http(s) URL');
  });

  it('exits 2 at once naming each malformed setting in its environment', () => {
    const start = ['start', '--token', 'floe_it_x', '--control-plane', 'https://floe.example'];
    const result = cliWith(
      { FLOE_KAFKA_SESSION_TIMEOUT_MS: 'soon', AWS_ENDPOINT_URL_STS: 'sts.local' },
      ...start,
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('FLOE_KAFKA_SESSION_TIMEOUT_MS: ');
    expect(result.stderr).toContain('AWS_ENDPOINT_URL_STS: must be an http(s) URL');
    const token = cliWith({ FLOE_TOKEN: 'hunter2' }, 'start', '--control-plane', 'https://floe.example');
    expect(token.status).toBe(2);
    expect(token.stderr).toContain('FLOE_TOKEN: must be a Floe install token');
  });

  it('run refuses a spec outside its policy before connecting, and names the rule', () => {
    const spec = join(stateDir, 'spec.json');
    writeFileSync(
      spec,
      JSON.stringify({
        id: 'p-cli',
        name: 'cli',
        version: 1,
        source: { bootstrapServers: ['127.0.0.1:9'], topics: ['t'] },
        format: { value: 'json' },
        table: {
          catalog: { type: 'rest', uri: 'http://127.0.0.1:9', warehouse: 'w' },
          namespace: ['n'],
          name: 't',
          storage: { bucket: 'lake', region: 'us-east-1' },
        },
      }),
    );
    const policy = join(stateDir, 'policy.yaml');
    writeFileSync(policy, 'kafka:\n  bootstrapHosts: ["127.0.0.1:9"]\n');
    const result = cli('run', '--pipeline', spec, '--policy', policy, '--metrics-port', '0');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      "policy: catalog http://127.0.0.1:9 is not in policy.catalog.restUris; S3 endpoint AWS's own S3 is not the endpoint of any entry in policy.storage.locations",
    );
    writeFileSync(policy, 'kafka:\n  bootstrapHost: []\n');
    const bad = cli('run', '--pipeline', spec, '--policy', policy);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('policy.kafka.bootstrapHost: not a policy key');
    const none = cli('run', '--pipeline', spec, '--metrics-port', '0');
    expect(none.stdout).toContain('no agent policy');
    expect(none.stdout).toContain('this agent has no policy file, which allows nothing');
  });

  it('doctor exits 1 when a check fails', () => {
    const result = cli('doctor', '--control-plane', 'http://127.0.0.1:9');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('✗ not enrolled');
    expect(result.stdout).toContain('✗ control plane http://127.0.0.1:9/ does not answer');
  });
});
