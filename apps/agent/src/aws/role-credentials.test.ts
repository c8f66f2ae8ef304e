import { describe, expect, it } from 'vitest';
import type { AssumeRoleRequest, TemporaryCredentials } from './assume-role';
import {
  JOB_SESSION_SECONDS,
  jobRoleCredentials,
  jobSessionName,
  REFRESH_BEFORE_MS,
} from './role-credentials';

const role = {
  roleArn: 'arn:aws:iam::123456789012:role/floe-writer',
  externalId: 'floe-0123456789abcdef',
  agentId: 'ag-0123456789',
  jobId: 'job-42',
};
const sts = { region: 'us-east-1', endpoint: 'http://127.0.0.1:9' };

/** A fake STS that issues numbered credentials valid for an hour from the clock's time. */
function setup() {
  const clock = { ms: Date.parse('2026-01-01T00:00:00Z') };
  const requests: AssumeRoleRequest[] = [];
  let failing: Error | undefined;
  const assume = async (request: AssumeRoleRequest): Promise<TemporaryCredentials> => {
    requests.push(request);
    if (failing) throw failing;
    return {
      accessKeyId: `ASIA${requests.length}`,
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: new Date(clock.ms + (request.durationSeconds as number) * 1000),
    };
  };
  const provider = jobRoleCredentials(role, sts, { now: () => clock.ms, assume });
  return { clock, requests, provider, fail: (error?: Error) => (failing = error) };
}

describe('jobRoleCredentials', () => {
  it("assumes the job's role once for an hour, as floe-<agent>-<job>, and reuses the credentials", async () => {
    const { clock, requests, provider } = setup();
    const first = await provider();
    clock.ms += 30 * 60_000;
    expect(await provider()).toBe(first);
    expect(requests).toEqual([
      {
        roleArn: role.roleArn,
        externalId: role.externalId,
        sessionName: 'floe-ag-0123456789-job-42',
        durationSeconds: JOB_SESSION_SECONDS,
      },
    ]);
    expect(JOB_SESSION_SECONDS).toBe(3600);
  });

  it('assumes again once the credentials are within the refresh margin of expiry, not before', async () => {
    const { clock, requests, provider } = setup();
    const first = await provider();
    const expiry = first.expiration.getTime();
    clock.ms = expiry - REFRESH_BEFORE_MS - 1;
    expect(await provider()).toBe(first);
    clock.ms = expiry - REFRESH_BEFORE_MS;
    const second = await provider();
    expect(second.accessKeyId).toBe('ASIA2');
    expect(second.expiration.getTime()).toBe(clock.ms + 3_600_000);
    expect(requests).toHaveLength(2);
  });

  it('makes one STS call for callers that ask at the same time', async () => {
    const { requests, provider } = setup();
    const all = await Promise.all([provider(), provider(), provider()]);
    expect(new Set(all.map((c) => c.accessKeyId))).toEqual(new Set(['ASIA1']));
    expect(requests).toHaveLength(1);
  });

  it('keeps still-valid credentials when a refresh fails, retries on the next call, and fails once they expire', async () => {
    const { clock, requests, provider, fail } = setup();
    const first = await provider();
    const expiry = first.expiration.getTime();
    fail(new Error('STS is down'));
    clock.ms = expiry - 60_000;
    expect(await provider()).toBe(first);
    expect(await provider()).toBe(first);
    expect(requests).toHaveLength(3);
    clock.ms = expiry;
    await expect(provider()).rejects.toThrow('STS is down');
    fail(undefined);
    expect((await provider()).accessKeyId).toBe('ASIA5');
  });

  it('fails when the first STS call fails', async () => {
    const { provider, fail } = setup();
    fail(new Error('refused'));
    await expect(provider()).rejects.toThrow('refused');
  });
});

describe('jobSessionName', () => {
  it('keeps to the characters and length STS accepts, cutting the agent part first', () => {
    expect(jobSessionName('ag 1', 'job/7')).toBe('floe-ag-1-job-7');
    const long = jobSessionName('a'.repeat(40), 'b'.repeat(36));
    expect(long).toBe(`floe-${'a'.repeat(20)}-${'b'.repeat(36)}`);
    expect(jobSessionName('a', 'b'.repeat(80))).toHaveLength(64);
  });
});
