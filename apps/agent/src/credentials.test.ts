import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCredentials, saveCredentials } from './credentials';

describe('the credentials an agent keeps', () => {
  const dirs: string[] = [];
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'floe-credentials-'));
    dirs.push(made);
    return made;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps an HTTPS enrollment as it came, readable by the agent only', () => {
    const at = dir();
    const https = { transport: 'https', agentId: 'ag-1', apiToken: 'floe_at_abc' } as const;
    saveCredentials(https, at);
    expect(loadCredentials(at)).toEqual(https);
    expect(statSync(join(at, 'credentials.json')).mode & 0o777).toBe(0o600);
  });

  it('reads credentials saved before transports had names as BullMQ ones', () => {
    const at = dir();
    const old = {
      agentId: 'ag-1',
      apiToken: 'floe_at_abc',
      redis: { url: 'redis://127.0.0.1:6379/', username: 'agent-ag-1', password: 'p' },
      queue: { prefix: 'floe', name: 'agent-ag-1' },
    };
    writeFileSync(join(at, 'credentials.json'), JSON.stringify(old));
    expect(loadCredentials(at)).toEqual({ transport: 'bullmq', ...old });
  });

  it('is null before enrollment', () => {
    expect(loadCredentials(dir())).toBeNull();
  });
});
