import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };

// The CLI as a user runs it: a separate process, exit codes and output included.
const stateDir = mkdtempSync(join(tmpdir(), 'floe-agent-cli-'));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'cli.ts'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, FLOE_AGENT_STATE_DIR: stateDir },
    timeout: 30_000,
  });

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

  it('doctor exits 1 when a check fails', () => {
    const result = cli('doctor', '--control-plane', 'http://127.0.0.1:9');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('✗ not enrolled');
    expect(result.stdout).toContain('✗ control plane http://127.0.0.1:9/ does not answer');
  });
});
