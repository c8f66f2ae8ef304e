import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentPolicySchema } from '@floe/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { log } from './agent';
import { PolicyError } from './policy/policy-error';
import { agentRedactor, Redactor } from './policy/redact';
import { SecretResolver } from './secrets';

const dir = mkdtempSync(join(tmpdir(), 'floe-secrets-'));
const folder = join(dir, 'allowed');
const state = join(dir, 'state');
mkdirSync(folder);
mkdirSync(state);
writeFileSync(join(folder, 'kafka'), 'kafka-password\n');
writeFileSync(join(state, 'credentials.json'), '{"apiToken":"floe_at_x"}');
symlinkSync(join(state, 'credentials.json'), join(folder, 'link-to-credentials'));
symlinkSync(folder, join(dir, 'folder-link'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = {
  FLOE_SECRET_KAFKA: 'env-password',
  OTHER: 'x',
  FLOE_AGENT_STATE_DIR: state,
} as unknown as NodeJS.ProcessEnv;
const policy = {
  rules: agentPolicySchema.parse({ secrets: { envPrefixes: ['FLOE_SECRET_'], fileFolders: [folder] } }),
  file: join(dir, 'policy.yaml'),
};

describe('SecretResolver', () => {
  it('resolves what the policy allows and registers each value for redaction', async () => {
    const redactor = new Redactor();
    const secrets = new SecretResolver(policy, redactor, env);
    expect(await secrets.resolve({ from: 'env', name: 'FLOE_SECRET_KAFKA' })).toBe('env-password');
    expect(await secrets.resolve({ from: 'file', path: join(folder, 'kafka') })).toBe('kafka-password');
    expect(redactor.redact('env-password / kafka-password')).toBe('[redacted] / [redacted]');
  });

  it('refuses the rest before reading anything, naming the rule', async () => {
    const secrets = new SecretResolver(policy, new Redactor(), env);
    await expect(secrets.resolve({ from: 'env', name: 'OTHER' })).rejects.toThrow(
      'policy: secret env:OTHER does not start with a prefix in policy.secrets.envPrefixes',
    );
    // A path is judged as written: a link from elsewhere into the allowed folder does not count.
    await expect(secrets.resolve({ from: 'file', path: join(dir, 'folder-link', 'kafka') })).rejects.toThrow(
      'is not inside a folder in policy.secrets.fileFolders',
    );
    await expect(secrets.resolve({ from: 'file', path: join(state, 'credentials.json') })).rejects.toThrow(
      "is among the agent's own credentials and is never read",
    );
    await expect(
      secrets.resolve({ from: 'file', path: join(folder, 'link-to-credentials') }),
    ).rejects.toThrow("leads to the agent's own credentials and is never read");
    await expect(
      secrets.resolve({
        from: 'aws-secrets-manager',
        arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x',
      }),
    ).rejects.toBeInstanceOf(PolicyError);
    // A missing value names the reference, not a value.
    await expect(
      new SecretResolver(policy, new Redactor(), {} as NodeJS.ProcessEnv).resolve({
        from: 'env',
        name: 'FLOE_SECRET_KAFKA',
      }),
    ).rejects.toThrow('the secret reference env:FLOE_SECRET_KAFKA is not set on the agent');
  });

  it("keeps resolved values out of the agent's log lines", async () => {
    const secrets = new SecretResolver(policy, agentRedactor, { ...env, FLOE_SECRET_LOG: 'log-canary-7781' });
    await secrets.resolve({ from: 'env', name: 'FLOE_SECRET_LOG' });
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => lines.push(chunk) > 0) as unknown as typeof write;
    try {
      log('pipeline failed to start', { error: 'SASL failed for password log-canary-7781' });
    } finally {
      process.stdout.write = write;
    }
    expect(lines.join('')).not.toContain('log-canary-7781');
    expect(lines.join('')).toContain('SASL failed for password [redacted]');
  });
});
