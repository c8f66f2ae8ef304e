import { randomBytes } from 'node:crypto';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const endpoint = process.env.FLOE_S3_ENDPOINT as string;
const region = process.env.FLOE_AWS_REGION as string;
const bucket = process.env.FLOE_WAREHOUSE_BUCKET as string;
const admin = {
  accessKeyId: process.env.FLOE_AWS_ACCESS_KEY_ID as string,
  secretAccessKey: process.env.FLOE_AWS_SECRET_ACCESS_KEY as string,
};
type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const s3 = (credentials: Credentials) =>
  new S3Client({ endpoint, region, forcePathStyle: true, credentials });

describe('the object store (moto, credential checks on)', () => {
  const key = `stack-test/${randomBytes(4).toString('hex')}.txt`;

  it('stores and returns an object with the right credentials', async () => {
    await s3(admin).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'hello floe' }));
    const got = await s3(admin).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await got.Body?.transformToString()).toBe('hello floe');
  });

  it('rejects a wrong secret and an unknown key', async () => {
    const wrongSecret = s3({ ...admin, secretAccessKey: `${admin.secretAccessKey.slice(0, -1)}x` });
    await expect(wrongSecret.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    const unknown = s3({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: admin.secretAccessKey });
    await expect(unknown.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
  });
});

describe('STS AssumeRole with an external id', () => {
  const iam = new IAMClient({ endpoint, region, credentials: admin });
  const sts = new STSClient({ endpoint, region, credentials: admin });
  const roleName = `floe-stack-test-${randomBytes(4).toString('hex')}`;
  const externalId = `floe-${randomBytes(16).toString('hex')}`;
  let roleArn = '';

  beforeAll(async () => {
    const me = await sts.send(new GetCallerIdentityCommand({}));
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: me.Arn },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'sts:ExternalId': externalId } },
            },
          ],
        }),
      }),
    );
    roleArn = role.Role?.Arn as string;
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'warehouse',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['s3:GetObject', 's3:PutObject'],
              Resource: `arn:aws:s3:::${bucket}/*`,
            },
          ],
        }),
      }),
    );
    // moto (unlike AWS within one account) also wants the caller allowed to assume the role.
    await iam.send(
      new PutUserPolicyCommand({
        UserName: (me.Arn as string).split('/').pop(),
        PolicyName: `assume-${roleName}`,
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn }],
        }),
      }),
    );
  });

  afterAll(async () => {
    await iam
      .send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: 'warehouse' }))
      .catch(() => {});
    await iam.send(new DeleteRoleCommand({ RoleName: roleName })).catch(() => {});
  });

  it('returns temporary credentials that work and carry their expiry', async () => {
    const before = Date.now();
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'floe-test-job',
        ExternalId: externalId,
        DurationSeconds: 900,
      }),
    );
    const temporary = {
      accessKeyId: c?.AccessKeyId as string,
      secretAccessKey: c?.SecretAccessKey as string,
      sessionToken: c?.SessionToken as string,
    };
    expect(temporary.accessKeyId).toMatch(/^ASIA/);
    const expiresIn = (c?.Expiration ?? new Date(0)).getTime() - before;
    expect(expiresIn).toBeGreaterThan(800_000);
    expect(expiresIn).toBeLessThanOrEqual(901_000);
    const key = `stack-test/assumed-${randomBytes(4).toString('hex')}.txt`;
    await s3(temporary).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'from the role' }));
    const identity = await new STSClient({ endpoint, region, credentials: temporary }).send(
      new GetCallerIdentityCommand({}),
    );
    expect(identity.Arn).toContain(`assumed-role/${roleName}/floe-test-job`);
  });

  it('refuses a wrong external id', async () => {
    await expect(
      sts.send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'floe-test-job', ExternalId: 'guessed' }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });
});
