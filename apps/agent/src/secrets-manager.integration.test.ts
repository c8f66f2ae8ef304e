import { randomBytes } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { agentPolicySchema } from '@floe/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedPolicy } from './policy/load-policy';
import { PolicyError } from './policy/policy-error';
import { Redactor } from './policy/redact';
import { SECRETS_MANAGER_CACHE_MS, SecretResolver } from './secrets';

// Secrets Manager references resolved against the local stack's moto (credential checks on): real
// secrets, real GetSecretValue calls, counted by a middleware on a real client.
const endpoint = process.env.FLOE_S3_ENDPOINT as string;
const region = process.env.FLOE_AWS_REGION as string;
const admin = {
  accessKeyId: process.env.FLOE_AWS_ACCESS_KEY_ID as string,
  secretAccessKey: process.env.FLOE_AWS_SECRET_ACCESS_KEY as string,
};
const run = randomBytes(4).toString('hex');
const folder = `floe/test-${run}`;
const plainValue = `sm-plain-${randomBytes(8).toString('hex')}`;
const jsonPassword = `sm-json-${randomBytes(8).toString('hex')}`;
const manager = new SecretsManagerClient({ region, endpoint, credentials: admin });
const arns = { plain: '', json: '', rotating: '', outside: '' };

const policy: LoadedPolicy = {
  file: '/etc/floe/policy.yaml',
  rules: agentPolicySchema.parse({
    secrets: { secretsManagerArns: [`arn:aws:secretsmanager:${region}:123456789012:secret:${folder}/*`] },
  }),
};

/** GetSecretValue calls, as a real client sends them (the SecretId of each). */
let calls: string[] = [];
function countingClient(credentials = admin) {
  const client = new SecretsManagerClient({ region, endpoint, credentials });
  client.middlewareStack.add(
    (next) => async (args) => {
      calls.push((args.input as { SecretId: string }).SecretId);
      return next(args);
    },
    { step: 'initialize', name: 'floeCountCalls' },
  );
  return client;
}

function resolver(options: { now?: () => number; credentials?: typeof admin } = {}) {
  const redactor = new Redactor();
  const client = countingClient(options.credentials);
  const secrets = new SecretResolver(policy, redactor, {} as NodeJS.ProcessEnv, {
    secretsManager: (r) => {
      expect(r).toBe(region);
      return client;
    },
    ...(options.now && { now: options.now }),
  });
  return { secrets, redactor, close: () => client.destroy() };
}

const create = async (name: string, SecretString: string) =>
  (await manager.send(new CreateSecretCommand({ Name: name, SecretString }))).ARN as string;

beforeAll(async () => {
  arns.plain = await create(`${folder}/plain`, plainValue);
  arns.json = await create(
    `${folder}/json`,
    JSON.stringify({ username: 'floe', password: jsonPassword, port: 9092 }),
  );
  arns.rotating = await create(`${folder}/rotating`, 'rotating-value-1');
  arns.outside = await create(`floe-other-${run}/secret`, 'not-for-this-agent');
});

afterAll(async () => {
  for (const arn of Object.values(arns))
    if (arn) await manager.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
  manager.destroy();
});

beforeEach(() => {
  calls = [];
});

describe('SecretResolver with Secrets Manager (moto)', () => {
  it('resolves a secret by its ARN and registers the value with the redactor', async () => {
    const { secrets, redactor, close } = resolver();
    expect(arns.plain).toMatch(new RegExp(`^arn:aws:secretsmanager:${region}:123456789012:secret:`));
    expect(await secrets.resolve({ from: 'aws-secrets-manager', arn: arns.plain })).toBe(plainValue);
    expect(redactor.redact(`the password is ${plainValue}`)).toBe('the password is [redacted]');
    expect(calls).toEqual([arns.plain]);
    close();
  });

  it('selects a key of a JSON secret, and reads the secret once for all its keys', async () => {
    const { secrets, redactor, close } = resolver();
    const ref = (jsonKey: string) => ({ from: 'aws-secrets-manager' as const, arn: arns.json, jsonKey });
    expect(await secrets.resolve(ref('password'))).toBe(jsonPassword);
    expect(await secrets.resolve(ref('username'))).toBe('floe');
    expect(await secrets.resolve(ref('port'))).toBe('9092');
    expect(calls).toEqual([arns.json]);
    // The key's value and the whole secret are redacted.
    expect(redactor.redact(`pw=${jsonPassword}`)).toBe('pw=[redacted]');
    const whole = JSON.stringify({ username: 'floe', password: jsonPassword, port: 9092 });
    expect(redactor.redact(whole)).not.toContain(jsonPassword);
    // A key the secret lacks is named, with the keys it has, never a value.
    const missing = secrets.resolve(ref('token'));
    await expect(missing).rejects.toThrow(
      `the secret ${arns.json} has no key token (its keys: username, password, port)`,
    );
    await expect(missing).rejects.not.toThrow(jsonPassword);
    // A key of a secret that is not JSON.
    await expect(
      secrets.resolve({ from: 'aws-secrets-manager', arn: arns.plain, jsonKey: 'password' }),
    ).rejects.toThrow(`the secret reference ${arns.plain}#password names a key, but the secret is not JSON`);
    close();
  });

  it('says clearly which secret does not exist', async () => {
    const { secrets, close } = resolver();
    const arn = `arn:aws:secretsmanager:${region}:123456789012:secret:${folder}/missing-AbCdEf`;
    const attempt = secrets.resolve({ from: 'aws-secrets-manager', arn });
    await expect(attempt).rejects.toThrow(`the secret reference ${arn} does not exist in Secrets Manager`);
    await expect(attempt).rejects.toThrow('ResourceNotFoundException');
    // A failure is not kept: the next resolve asks again.
    await expect(secrets.resolve({ from: 'aws-secrets-manager', arn })).rejects.toThrow('does not exist');
    expect(calls).toEqual([arn, arn]);
    close();
  });

  it('refuses an ARN outside policy.secrets.secretsManagerArns before any call', async () => {
    const { secrets, close } = resolver();
    const attempt = secrets.resolve({ from: 'aws-secrets-manager', arn: arns.outside });
    await expect(attempt).rejects.toBeInstanceOf(PolicyError);
    await expect(attempt).rejects.toThrow(
      `policy: secret ${arns.outside} is not in policy.secrets.secretsManagerArns`,
    );
    expect(calls).toEqual([]);
    close();
  });

  it('serves a second resolve from its cache, and reads the secret again once the cache expires', async () => {
    const clock = { ms: Date.now() };
    const { secrets, redactor, close } = resolver({ now: () => clock.ms });
    const ref = { from: 'aws-secrets-manager' as const, arn: arns.rotating };
    // Callers at the same moment share one call.
    expect(await Promise.all([secrets.resolve(ref), secrets.resolve(ref)])).toEqual([
      'rotating-value-1',
      'rotating-value-1',
    ]);
    expect(calls).toHaveLength(1);

    await manager.send(
      new PutSecretValueCommand({ SecretId: arns.rotating, SecretString: 'rotating-value-2' }),
    );
    clock.ms += SECRETS_MANAGER_CACHE_MS - 1;
    expect(await secrets.resolve(ref)).toBe('rotating-value-1');
    expect(calls).toHaveLength(1);

    clock.ms += 1;
    expect(await secrets.resolve(ref)).toBe('rotating-value-2');
    expect(calls).toEqual([arns.rotating, arns.rotating]);
    expect(await secrets.resolve(ref)).toBe('rotating-value-2');
    expect(calls).toHaveLength(2);
    // Both values stay redacted (the old one may still be in use somewhere).
    expect(redactor.redact('rotating-value-1 rotating-value-2')).toBe('[redacted] [redacted]');
    close();
  });

  it("says when the agent's AWS identity may not read the secret", async () => {
    const iam = new IAMClient({ region, endpoint, credentials: admin });
    const userName = `floe-no-secrets-${run}`;
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey;
    try {
      const { secrets, close } = resolver({
        credentials: {
          accessKeyId: key?.AccessKeyId as string,
          secretAccessKey: key?.SecretAccessKey as string,
        },
      });
      const attempt = secrets.resolve({ from: 'aws-secrets-manager', arn: arns.plain });
      await expect(attempt).rejects.toThrow(
        `the agent's AWS identity may not read the secret ${arns.plain} (it needs secretsmanager:GetSecretValue`,
      );
      await expect(attempt).rejects.not.toThrow(key?.SecretAccessKey as string);
      close();
    } finally {
      await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: key?.AccessKeyId }));
      await iam.send(new DeleteUserCommand({ UserName: userName }));
      iam.destroy();
    }
  });

  it("uses the agent's own AWS identity and the SDK's endpoint variable by default", async () => {
    const saved = { ...process.env };
    // Where the SDK's default chain looks on a machine without an instance role.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
    });
    delete process.env.AWS_PROFILE;
    const secrets = new SecretResolver(policy, new Redactor(), {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    } as unknown as NodeJS.ProcessEnv);
    try {
      expect(await secrets.resolve({ from: 'aws-secrets-manager', arn: arns.plain })).toBe(plainValue);
    } finally {
      secrets.close();
      process.env = saved;
    }
  });
});
