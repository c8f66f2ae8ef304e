import { randomBytes } from 'node:crypto';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConnection } from '../jobs/connection-test';
import { stackSecrets } from '../testing/stack-policy';
import { AssumeRoleRefusedError, assumeRole } from './assume-role';

const endpoint = process.env.FLOE_S3_ENDPOINT as string;
const region = process.env.FLOE_AWS_REGION as string;
const bucket = process.env.FLOE_WAREHOUSE_BUCKET as string;
const admin = {
  accessKeyId: process.env.FLOE_AWS_ACCESS_KEY_ID as string,
  secretAccessKey: process.env.FLOE_AWS_SECRET_ACCESS_KEY as string,
};
const sts = { region, endpoint, credentials: admin };

describe('assumeRole against STS with credential checks on (moto)', () => {
  const iam = new IAMClient({ endpoint, region, credentials: admin });
  const run = randomBytes(4).toString('hex');
  const roleName = `floe-agent-test-${run}`;
  const externalId = `floe-${randomBytes(16).toString('hex')}`;
  let roleArn = '';
  let adminUser = '';

  beforeAll(async () => {
    const me = await new STSClient(sts).send(new GetCallerIdentityCommand({}));
    adminUser = (me.Arn as string).split('/').pop() as string;
    const statement = (s: object) => JSON.stringify({ Version: '2012-10-17', Statement: [s] });
    roleArn = (
      await iam.send(
        new CreateRoleCommand({
          RoleName: roleName,
          AssumeRolePolicyDocument: statement({
            Effect: 'Allow',
            Principal: { AWS: me.Arn },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': externalId } },
          }),
        }),
      )
    ).Role?.Arn as string;
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'warehouse',
        PolicyDocument: statement({
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          Resource: `arn:aws:s3:::${bucket}/*`,
        }),
      }),
    );
    // moto (unlike AWS within one account) also wants the caller allowed to assume the role.
    await iam.send(
      new PutUserPolicyCommand({
        UserName: adminUser,
        PolicyName: `assume-${roleName}`,
        PolicyDocument: statement({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn }),
      }),
    );
  });

  afterAll(async () => {
    await iam.send(new DeleteUserPolicyCommand({ UserName: adminUser, PolicyName: `assume-${roleName}` }));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: 'warehouse' }));
    await iam.send(new DeleteRoleCommand({ RoleName: roleName }));
    iam.destroy();
  });

  it('returns temporary credentials that act as the role and carry an expiry within the asked duration', async () => {
    const before = Date.now();
    const temporary = await assumeRole(
      { roleArn, externalId, sessionName: 'floe-agent-test', durationSeconds: 900 },
      sts,
    );
    const after = Date.now();
    expect(temporary.accessKeyId).toMatch(/^ASIA/);
    // STS states expiry in whole seconds.
    expect(temporary.expiration.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(temporary.expiration.getTime()).toBeLessThanOrEqual(after + 900_000);

    const identity = await new STSClient({ region, endpoint, credentials: temporary }).send(
      new GetCallerIdentityCommand({}),
    );
    expect(identity.Arn).toMatch(new RegExp(`:assumed-role/${roleName}/floe-agent-test$`));

    const s3 = new S3Client({ endpoint, region, forcePathStyle: true, credentials: temporary });
    const key = `agent-test/${run}.txt`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'written as the role' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await got.Body?.transformToString()).toBe('written as the role');
    // The role's policy, not the admin's, applies: listing buckets is not in it.
    await expect(s3.send(new ListBucketsCommand({}))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    s3.destroy();
  });

  it("backs the agent's aws-role connection test, with the agent's identity from its environment", async () => {
    const saved = { ...process.env };
    // Where the SDK's default chain looks on a machine without an instance role.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
    });
    try {
      const env = { ...saved, AWS_REGION: region, AWS_ENDPOINT_URL_STS: endpoint };
      const result = await testConnection(
        { type: 'aws-role', role: { roleArn, externalId } },
        stackSecrets(),
        env,
      );
      expect(result).toMatchObject({ assumed: true });
      expect(Date.parse(result.expiresAt as string)).toBeGreaterThan(Date.now());
      await expect(
        testConnection(
          { type: 'aws-role', role: { roleArn, externalId: `${externalId}x` } },
          stackSecrets(),
          env,
        ),
      ).rejects.toThrow(AssumeRoleRefusedError);
    } finally {
      process.env = saved;
    }
  });

  it('is refused with a wrong external id', async () => {
    const attempt = assumeRole(
      { roleArn, externalId: `floe-${randomBytes(16).toString('hex')}`, sessionName: 'floe-agent-test' },
      sts,
    );
    await expect(attempt).rejects.toThrow(AssumeRoleRefusedError);
    await expect(attempt).rejects.toThrow(`not allowed to assume ${roleArn}`);
  });
});
