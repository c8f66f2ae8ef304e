import { randomBytes } from 'node:crypto';
import { CreateDatabaseCommand, DeleteDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type Connection, jobSchema } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TemporaryCredentials } from '../aws/assume-role';
import { jobRoleCredentials } from '../aws/role-credentials';
import type { AwsSettings } from '../config';
import { type Listener, startListener } from '../testing/listener';
import { startQueuedAgent } from '../testing/queued-agent';
import { stackPolicy, stackSecrets } from '../testing/stack-policy';
import { PROBE_FOLDER, testConnection } from './connection-test';

// Glue and storage connection tests against the local stack's moto (S3, STS, IAM and Glue, with
// credential checks on), through a role assumed with its external id as a pipeline's would be: one
// role that may do what a pipeline needs, one that may only read.
const endpoint = process.env.FLOE_S3_ENDPOINT as string;
const region = process.env.FLOE_AWS_REGION as string;
const bucket = process.env.FLOE_WAREHOUSE_BUCKET as string;
const admin = {
  accessKeyId: process.env.FLOE_AWS_ACCESS_KEY_ID as string,
  secretAccessKey: process.env.FLOE_AWS_SECRET_ACCESS_KEY as string,
};
const run = randomBytes(4).toString('hex');
const prefix = `connection-test-${run}`;
const database = `floe_connection_test_${run}`;
const externalId = `floe-${randomBytes(16).toString('hex')}`;
const iam = new IAMClient({ endpoint, region, credentials: admin });
const glueAdmin = new GlueClient({ endpoint, region, credentials: admin });
const s3Admin = new S3Client({ endpoint, region, forcePathStyle: true, credentials: admin });
const roles = {
  writer: { name: `floe-ct-writer-${run}`, arn: '' },
  reader: { name: `floe-ct-reader-${run}`, arn: '' },
};
/** An agent identity that may assume the roles and do nothing else: what it writes, a role wrote. */
const agentUser = { name: `floe-ct-agent-${run}`, accessKeyId: '', secretAccessKey: '' };
/** What each role's own credentials were, to show that none of it is in an error. */
const issued: TemporaryCredentials[] = [];
const statement = (s: object) => JSON.stringify({ Version: '2012-10-17', Statement: [s].flat() });

function asRole(role: keyof typeof roles) {
  const provider = jobRoleCredentials(
    { roleArn: roles[role].arn, externalId, agentId: 'ag-connection-test', jobId: `job-${run}` },
    { region, endpoint, credentials: admin },
  );
  return async () => {
    const credentials = await provider();
    issued.push(credentials);
    return credentials;
  };
}

const noEnv: AwsSettings = {};
const glueEnv: AwsSettings = { AWS_ENDPOINT_URL_GLUE: endpoint };
const storage = (change: Partial<Extract<Connection, { type: 'storage' }>['storage']> = {}): Connection => ({
  type: 'storage',
  storage: { bucket, prefix, region, endpoint, ...change },
});
const glue: Connection = { type: 'catalog', catalog: { type: 'glue', region } };

async function probesLeft() {
  const listed = await s3Admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
  return (listed.Contents ?? []).map((o) => o.Key);
}

/** The message of a rejection, checked to hold none of the credentials the roles were issued. */
async function failure(attempt: Promise<unknown>): Promise<string> {
  const error = await attempt.then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error).toBeInstanceOf(Error);
  const message = (error as Error).message;
  for (const c of issued) {
    expect(message).not.toContain(c.secretAccessKey);
    expect(message).not.toContain(c.sessionToken);
  }
  expect(message).not.toContain(admin.secretAccessKey);
  return message;
}

beforeAll(async () => {
  const me = await new STSClient({ region, endpoint, credentials: admin }).send(
    new GetCallerIdentityCommand({}),
  );
  const userArn = (await iam.send(new CreateUserCommand({ UserName: agentUser.name }))).User?.Arn as string;
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: agentUser.name }))).AccessKey;
  Object.assign(agentUser, { accessKeyId: key?.AccessKeyId, secretAccessKey: key?.SecretAccessKey });
  // moto (unlike AWS within one account) also wants the caller allowed to assume the role.
  await iam.send(
    new PutUserPolicyCommand({
      UserName: agentUser.name,
      PolicyName: 'assume-roles',
      PolicyDocument: statement({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }),
    }),
  );
  const trust = statement({
    Effect: 'Allow',
    Principal: { AWS: [me.Arn, userArn] },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'sts:ExternalId': externalId } },
  });
  const policies = {
    writer: statement([
      // Any bucket, so that a missing one answers 404 in moto too (AWS says 404 before it checks access).
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:HeadBucket'], Resource: 'arn:aws:s3:::*' },
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:DeleteObject', 's3:GetObject'],
        Resource: `arn:aws:s3:::${bucket}/${prefix}/*`,
      },
      { Effect: 'Allow', Action: ['glue:GetDatabases', 'glue:GetDatabase'], Resource: '*' },
    ]),
    reader: statement([
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:HeadBucket'], Resource: `arn:aws:s3:::${bucket}` },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
    ]),
  };
  for (const key of ['writer', 'reader'] as const) {
    const role = roles[key];
    role.arn = (
      await iam.send(new CreateRoleCommand({ RoleName: role.name, AssumeRolePolicyDocument: trust }))
    ).Role?.Arn as string;
    await iam.send(
      new PutRolePolicyCommand({ RoleName: role.name, PolicyName: 'floe', PolicyDocument: policies[key] }),
    );
  }
  await glueAdmin.send(new CreateDatabaseCommand({ DatabaseInput: { Name: database } }));
});

afterAll(async () => {
  for (const role of Object.values(roles)) {
    if (!role.arn) continue;
    await iam.send(new DeleteRolePolicyCommand({ RoleName: role.name, PolicyName: 'floe' }));
    await iam.send(new DeleteRoleCommand({ RoleName: role.name }));
  }
  if (agentUser.accessKeyId) {
    await iam.send(
      new DeleteAccessKeyCommand({ UserName: agentUser.name, AccessKeyId: agentUser.accessKeyId }),
    );
    await iam.send(new DeleteUserPolicyCommand({ UserName: agentUser.name, PolicyName: 'assume-roles' }));
    await iam.send(new DeleteUserCommand({ UserName: agentUser.name }));
  }
  await glueAdmin.send(new DeleteDatabaseCommand({ Name: database })).catch(() => {});
  iam.destroy();
  glueAdmin.destroy();
  s3Admin.destroy();
});

describe('storage connection test (moto S3, through an assumed role)', () => {
  it('finds the bucket, writes a probe object under the prefix and deletes it', async () => {
    const result = await testConnection(storage(), stackSecrets(), noEnv, {
      awsCredentials: asRole('writer'),
    });
    expect(result).toEqual({ bucket, prefix, region, wrote: true, deleted: true });
    expect(await probesLeft()).toEqual([]);
    // A prefix written with slashes around it lands in the same place.
    expect(
      await testConnection(storage({ prefix: `/${prefix}/` }), stackSecrets(), noEnv, {
        awsCredentials: asRole('writer'),
      }),
    ).toMatchObject({ prefix, wrote: true, deleted: true });
  });

  it('says the bucket does not exist', async () => {
    const missing = `floe-no-such-bucket-${run}`;
    const message = await failure(
      testConnection(storage({ bucket: missing }), stackSecrets(), noEnv, {
        awsCredentials: asRole('writer'),
      }),
    );
    expect(message).toContain(`the bucket ${missing} does not exist at ${endpoint}`);
  });

  it('says which permission the role lacks when it may not write under the prefix', async () => {
    const message = await failure(
      testConnection(storage(), stackSecrets(), noEnv, { awsCredentials: asRole('reader') }),
    );
    expect(message).toMatch(
      new RegExp(
        `^writing s3://${bucket}/${prefix}/${PROBE_FOLDER}/[\\w-]+: access denied .*it needs s3:PutObject`,
      ),
    );
    expect(await probesLeft()).toEqual([]);
  });

  it('says the bucket is in another region than the connection names', async () => {
    const message = await failure(
      testConnection(storage({ region: 'eu-west-1' }), stackSecrets(), noEnv, {
        awsCredentials: asRole('writer'),
      }),
    );
    expect(message).toContain(`the bucket ${bucket} is in ${region}, not in eu-west-1`);
  });

  it('says when the endpoint cannot be reached', async () => {
    const listener = await startListener();
    await listener.close();
    const message = await failure(
      testConnection(storage({ endpoint: listener.url }), stackSecrets(), noEnv, {
        awsCredentials: asRole('writer'),
      }),
    );
    expect(message).toContain(`the bucket ${bucket}: the AWS endpoint cannot be reached from the agent`);
  });
});

describe('Glue connection test (moto Glue, through an assumed role)', () => {
  it('lists the databases of the catalog', async () => {
    const result = await testConnection(glue, stackSecrets(), glueEnv, { awsCredentials: asRole('writer') });
    expect(result).toMatchObject({ catalog: 'glue', region });
    expect(result.databases).toBeGreaterThanOrEqual(1);
    const withId = await testConnection(
      { type: 'catalog', catalog: { type: 'glue', region, catalogId: '123456789012' } },
      stackSecrets(),
      glueEnv,
      { awsCredentials: asRole('writer') },
    );
    expect(withId).toMatchObject({ catalog: 'glue', catalogId: '123456789012' });
  });

  it('says which permission the role lacks', async () => {
    const message = await failure(
      testConnection(glue, stackSecrets(), glueEnv, { awsCredentials: asRole('reader') }),
    );
    expect(message).toContain(`the Glue catalog in ${region}: access denied`);
    expect(message).toContain('it needs glue:GetDatabases');
  });
});

describe('storage and Glue connection tests as jobs: the policy first, then the real thing', () => {
  let agent: Awaited<ReturnType<typeof startQueuedAgent>>;
  let evil: Listener;
  const saved = { ...process.env };

  beforeAll(async () => {
    evil = await startListener();
    // The agent's own AWS identity, where the SDK's default chain finds it without an instance role.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
    });
    delete process.env.AWS_PROFILE;
    agent = await startQueuedAgent(stackPolicy());
  });

  afterAll(async () => {
    process.env = saved;
    await agent?.close();
    await evil?.close();
  });

  const send = async (connection: Connection, role: { roleArn: string; externalId: string } | object = {}) =>
    agent.outcome(await agent.send(jobSchema.parse({ kind: 'connection.test', connection, ...role })));

  it('refuses a bucket and a Glue catalog outside the policy before connecting', async () => {
    process.env.AWS_ENDPOINT_URL_GLUE = evil.url;
    expect(await send(storage({ endpoint: evil.url }))).toMatchObject({
      type: 'job.failed',
      errorClass: 'PolicyViolation',
      message: expect.stringContaining(`S3 endpoint ${evil.url} is not the endpoint of any entry`),
    });
    expect(await send(storage({ bucket: 'someone-elses-bucket' }))).toMatchObject({
      errorClass: 'PolicyViolation',
      message: expect.stringContaining('bucket someone-elses-bucket'),
    });
    expect(await send({ type: 'catalog', catalog: { type: 'glue', region: 'eu-west-1' } })).toMatchObject({
      errorClass: 'PolicyViolation',
      message: expect.stringContaining('the default Glue catalog in eu-west-1 is not in policy.catalog.glue'),
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(evil.connections).toBe(0);
  });

  it("runs what the policy allows with the agent's own identity", async () => {
    process.env.AWS_ENDPOINT_URL_GLUE = endpoint;
    expect(await send(storage())).toMatchObject({
      type: 'job.finished',
      result: { bucket, prefix, wrote: true, deleted: true },
    });
    const listed = await send(glue);
    expect(listed).toMatchObject({ type: 'job.finished', result: { catalog: 'glue', region } });
    expect((listed as unknown as { result: { databases: number } }).result.databases).toBeGreaterThanOrEqual(
      1,
    );
    expect(await probesLeft()).toEqual([]);
  });

  it('runs a storage and a Glue test job as the role it names: the probe is written by the assumed role', async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: agentUser.accessKeyId,
      AWS_SECRET_ACCESS_KEY: agentUser.secretAccessKey,
      AWS_ENDPOINT_URL_GLUE: endpoint,
      AWS_ENDPOINT_URL_STS: endpoint,
    });
    try {
      // The agent's own identity may assume the roles and nothing else: it cannot write the probe.
      expect(await failure(testConnection(storage(), stackSecrets(), noEnv))).toMatch(
        /^writing s3:.*: access denied to the agent's own AWS identity|^the bucket .*: access denied to the agent's own AWS identity/,
      );
      const writer = { roleArn: roles.writer.arn, externalId };
      expect(await send(storage(), writer)).toMatchObject({
        type: 'job.finished',
        result: { bucket, prefix, wrote: true, deleted: true },
      });
      expect(await probesLeft()).toEqual([]);
      expect(await send(glue, writer)).toMatchObject({
        type: 'job.finished',
        result: { catalog: 'glue', region },
      });
    } finally {
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: admin.accessKeyId,
        AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
      });
      delete process.env.AWS_ENDPOINT_URL_STS;
    }
  });

  it('refuses a role outside the policy before any AWS call, naming the rule', async () => {
    // Assuming the role is the first AWS call a test as a role makes: it would reach the listener.
    Object.assign(process.env, { AWS_ENDPOINT_URL_STS: evil.url, AWS_ENDPOINT_URL_GLUE: evil.url });
    const before = evil.connections;
    try {
      const foreign = { roleArn: 'arn:aws:iam::999999999999:role/floe-writer', externalId };
      for (const connection of [storage(), glue])
        expect(await send(connection, foreign)).toMatchObject({
          type: 'job.failed',
          errorClass: 'PolicyViolation',
          message: expect.stringContaining(
            'role arn:aws:iam::999999999999:role/floe-writer is not in policy.aws.roleArns',
          ),
        });
      await new Promise((r) => setTimeout(r, 300));
      expect(evil.connections).toBe(before);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_STS;
    }
  });
});
