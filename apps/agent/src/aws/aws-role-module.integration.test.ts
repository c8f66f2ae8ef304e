import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAwsRolePolicies } from '../../../../infra/terraform/aws-role-policies';
import { AssumeRoleRefusedError, assumeRole } from './assume-role';
import { jobRoleCredentials } from './role-credentials';

// The IAM role that infra/terraform/aws-role makes, proved against STS, IAM and S3: its policy
// documents are rendered as the module renders them, and the role is made in moto.
const repo = join(import.meta.dirname, '../../../..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A moto of this test's own, started by the local stack's script (so through python/moto_server.py)
 * on a free port: the shared one may predate that launcher, and this test adds users and roles.
 */
async function privateObjectStore() {
  const dir = mkdtempSync(join(tmpdir(), 'floe-moto-'));
  const env = { ...process.env, FLOE_STACK_DIR: dir, FLOE_S3_PORT: String(await freePort()) };
  const stack = (command: string) =>
    spawnSync(process.execPath, [join(repo, 'infra/local/stack.mjs'), command, 'object-store'], {
      env,
      encoding: 'utf8',
    });
  const up = stack('up');
  if (up.status !== 0) throw new Error(`moto did not start:\n${up.stdout}${up.stderr}`);
  return {
    settings: JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')) as Record<
      | 'FLOE_S3_ENDPOINT'
      | 'FLOE_AWS_REGION'
      | 'FLOE_WAREHOUSE_BUCKET'
      | 'FLOE_AWS_ACCESS_KEY_ID'
      | 'FLOE_AWS_SECRET_ACCESS_KEY',
      string
    >,
    stop() {
      stack('down');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('the aws-role Terraform module’s role, in STS and S3 (moto)', () => {
  let store: Awaited<ReturnType<typeof privateObjectStore>>;
  let endpoint = '';
  let region = '';
  let bucket = '';
  let admin = { accessKeyId: '', secretAccessKey: '' };
  let agent = { accessKeyId: '', secretAccessKey: '' };
  let roleArn = '';
  const externalId = `floe-${randomBytes(16).toString('hex')}`;
  const prefix = 'floe/tables';

  beforeAll(async () => {
    store = await privateObjectStore();
    ({ FLOE_S3_ENDPOINT: endpoint, FLOE_AWS_REGION: region, FLOE_WAREHOUSE_BUCKET: bucket } = store.settings);
    admin = {
      accessKeyId: store.settings.FLOE_AWS_ACCESS_KEY_ID,
      secretAccessKey: store.settings.FLOE_AWS_SECRET_ACCESS_KEY,
    };
    const iam = new IAMClient({ endpoint, region, credentials: admin });
    // The agent's own identity: the role's trusted principal (in EKS, its IRSA role).
    const userArn = (await iam.send(new CreateUserCommand({ UserName: 'floe-agent' }))).User?.Arn as string;
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'floe-agent' }))).AccessKey;
    agent = { accessKeyId: key?.AccessKeyId as string, secretAccessKey: key?.SecretAccessKey as string };
    // moto (unlike AWS within one account) also wants the caller allowed to assume the role.
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'floe-agent',
        PolicyName: 'assume-roles',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
        }),
      }),
    );
    const policies = renderAwsRolePolicies({
      trusted_principal_arn: userArn,
      external_id: externalId,
      bucket,
      prefix,
      glue_database: 'floe',
      region,
      account_id: userArn.split(':')[4] as string,
    });
    roleArn = (
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'floe-writer',
          AssumeRolePolicyDocument: policies.trust,
          MaxSessionDuration: 3600,
        }),
      )
    ).Role?.Arn as string;
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'floe-writer',
        PolicyName: 'floe-tables',
        PolicyDocument: policies.permissions,
      }),
    );
    iam.destroy();
  });

  afterAll(() => store?.stop());

  const sts = () => ({ region, endpoint, credentials: agent });

  it('lets the agent, with the external ID, write, read, list and delete under the prefix, as floe-<agent>-<job>', async () => {
    const credentials = jobRoleCredentials(
      { roleArn, externalId, agentId: 'ag-0123456789', jobId: 'job-1' },
      sts(),
    );
    const identity = await new STSClient({ region, endpoint, credentials }).send(
      new GetCallerIdentityCommand({}),
    );
    expect(identity.Arn).toMatch(/:assumed-role\/floe-writer\/floe-ag-0123456789-job-1$/);

    const s3 = new S3Client({ region, endpoint, forcePathStyle: true, credentials });
    const key = `${prefix}/db/orders/data/00000.parquet`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'written as the role' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await got.Body?.transformToString()).toBe('written as the role');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
    expect(listed.Contents?.map((o) => o.Key)).toContain(key);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    s3.destroy();
  });

  it.each(['floe/elsewhere.parquet', `${prefix}-other/data.parquet`, 'data.parquet'])(
    'refuses the role writing %s, outside the prefix, with AccessDenied',
    async (key) => {
      const credentials = jobRoleCredentials({ roleArn, externalId, agentId: 'ag-1', jobId: 'job-2' }, sts());
      const s3 = new S3Client({ region, endpoint, forcePathStyle: true, credentials });
      await expect(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' })),
      ).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
      s3.destroy();
    },
  );

  it('refuses a wrong external ID in STS, and the agent says which role and why', async () => {
    const wrong = `floe-${randomBytes(16).toString('hex')}`;
    const attempt = assumeRole({ roleArn, externalId: wrong, sessionName: 'floe-test' }, sts());
    await expect(attempt).rejects.toThrow(AssumeRoleRefusedError);
    await expect(attempt).rejects.toThrow(
      `not allowed to assume ${roleArn}: the external ID ${wrong} does not match the role's trust policy`,
    );
  });

  it('refuses AssumeRole without an external ID (moto alone would allow it)', async () => {
    const client = new STSClient(sts());
    await expect(
      client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'floe-test' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    client.destroy();
  });

  it('refuses an identity the trust policy does not name, even with the external ID', async () => {
    await expect(
      assumeRole({ roleArn, externalId, sessionName: 'floe-test' }, { region, endpoint, credentials: admin }),
    ).rejects.toThrow(AssumeRoleRefusedError);
  });
});
