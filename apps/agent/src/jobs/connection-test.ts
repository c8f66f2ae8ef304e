import { randomUUID } from 'node:crypto';
import { GetDatabasesCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  DeleteObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { CatalogError, HiveCatalog, LocalFileIO, RestCatalog } from '@floe/iceberg';
import { createKafka, kafkaFailure, kafkaSecurityOptions, restCatalogOptions } from '@floe/ingest';
import type { Connection, Job } from '@floe/protocol';
import { assumeRole } from '../aws/assume-role';
import { storageCredentials } from '../aws/storage-credentials';
import { awsFailure } from '../aws-failure';
import { type AwsSettings, agentEnv } from '../config';
import type { SecretResolver } from '../secrets';

export type TestResult = Record<string, string | number | boolean>;

export interface ConnectionTestOptions {
  /**
   * Credentials for the Glue and storage tests: an assumed role's provider (`jobRoleCredentials`),
   * as a pipeline's bucket and Glue catalog use. Default: the agent's own AWS identity (the SDK's
   * chain), which is what a pipeline uses when its storage names no role.
   */
  awsCredentials?: S3ClientConfig['credentials'];
}

type CatalogConnection = Extract<Connection, { type: 'catalog' }>['catalog'];
type GlueCatalogConnection = Extract<CatalogConnection, { type: 'glue' }>;
type RestCatalogConnection = Extract<CatalogConnection, { type: 'rest' }>;
type HiveCatalogConnection = Extract<CatalogConnection, { type: 'hive' }>;
type StorageConnection = Extract<Connection, { type: 'storage' }>['storage'];

/** Glue databases counted at most (pages of 100): enough to say the catalog answers and what it holds. */
const MAX_GLUE_PAGES = 10;
/** Where the storage test's probe object goes, under the connection's prefix. */
export const PROBE_FOLDER = '_floe-connection-test';
/** The test's AWS calls give up soon: a wrong endpoint or region should not hold a job for minutes. */
const AWS_CALL = { maxAttempts: 2, requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 } };

/**
 * The credentials a connection test job acts with: the role it names, assumed for this job with its
 * external id as a pipeline's storage role is (`storageCredentials`, the same code), and asked of
 * STS in the connection's region; undefined without a role, and the agent's own identity tests.
 */
export function connectionTestCredentials(
  job: Extract<Job, { kind: 'connection.test' }>,
  agentId: string,
  jobId: string,
): ConnectionTestOptions['awsCredentials'] {
  const { connection, roleArn, externalId } = job;
  if (roleArn === undefined) return undefined;
  const catalog = connection.type === 'catalog' ? connection.catalog : undefined;
  const region =
    connection.type === 'storage'
      ? connection.storage.region
      : catalog?.type === 'glue'
        ? catalog.region
        : catalog?.type === 'rest' && catalog.auth?.type === 'sigv4'
          ? catalog.auth.region
          : undefined;
  // The job schema allows a role on these only; an agent never acts as a role it does not use.
  if (region === undefined) throw new Error(`a ${connection.type} connection is not tested as a role`);
  return storageCredentials({ region, roleArn, externalId }, agentId, jobId);
}

/**
 * Opens the connection from inside the customer's network and reports what it saw (metadata
 * only: counts and versions). Secret references are resolved here, where the secrets live, and are
 * used as the pipelines would use them (SASL, basic auth to the registry, a bearer token to the catalog).
 * The job runner has checked the connection against the agent's policy before this runs.
 */
export async function testConnection(
  connection: Connection,
  secrets: SecretResolver,
  env: AwsSettings = agentEnv(),
  options: ConnectionTestOptions = {},
): Promise<TestResult> {
  switch (connection.type) {
    case 'kafka': {
      const brokers = connection.kafka.bootstrapServers;
      const kafka = createKafka({
        clientId: 'floe-agent-connection-test',
        brokers,
        ...(await kafkaSecurityOptions(connection.kafka.security, {
          resolveSecret: secrets.resolve,
          ...(options.awsCredentials !== undefined && { awsCredentials: options.awsCredentials }),
        })),
        logger: () => {},
        connectionTimeoutMs: 5_000,
        retries: 1,
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        const topics = await admin.listTopics();
        const cluster = await admin.describeCluster();
        return { brokers: cluster.brokers.length, topics: topics.filter((t) => !t.startsWith('__')).length };
      } catch (error) {
        throw kafkaFailure(error, brokers);
      } finally {
        await admin.disconnect();
      }
    }
    case 'schema-registry': {
      const { url, username, password } = connection.registry;
      const headers: Record<string, string> = {};
      if (password !== undefined) {
        const secret = await secrets.resolve(password);
        secrets.redactor.addBasicAuth(username ?? '', secret);
        headers.Authorization = `Basic ${Buffer.from(`${username ?? ''}:${secret}`).toString('base64')}`;
      }
      const res = await fetch(new URL('subjects', `${url.replace(/\/$/, '')}/`), {
        headers,
        redirect: 'error',
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) throw new Error(`the registry answered HTTP ${res.status}${await answerMessage(res)}`);
      return { subjects: ((await res.json()) as unknown[]).length };
    }
    case 'catalog': {
      if (connection.catalog.type === 'glue') return testGlue(connection.catalog, env, options);
      if (connection.catalog.type === 'hive') return testHive(connection.catalog);
      return testRestCatalog(connection.catalog, secrets, options);
    }
    case 'aws-role': {
      // The agent's own AWS identity comes from the SDK's usual chain; AWS_ENDPOINT_URL_STS is the
      // SDK's standard name for a non-default STS (a VPC endpoint).
      const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
      if (!region) throw new Error('set AWS_REGION on the agent to assume a role');
      const credentials = await assumeRole(
        { ...connection.role, sessionName: 'floe-connection-test', durationSeconds: 900 },
        { region, endpoint: env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL },
      );
      return { assumed: true, expiresAt: credentials.expiration.toISOString() };
    }
    case 'storage':
      return testStorage(connection.storage, env, options);
    default:
      throw new Error(`testing a ${(connection as Connection).type} connection is not in this agent version`);
  }
}

/**
 * Lists the Glue catalog's databases (GetDatabases), as the pipelines' Glue catalog does. The Glue
 * endpoint is AWS's for the region, or AWS_ENDPOINT_URL_GLUE / AWS_ENDPOINT_URL (a VPC endpoint).
 */
async function testGlue(
  catalog: GlueCatalogConnection,
  env: AwsSettings,
  { awsCredentials }: ConnectionTestOptions,
): Promise<TestResult> {
  const { region, catalogId } = catalog;
  const who = identity(awsCredentials);
  const which = `the Glue catalog${catalogId === undefined ? '' : ` ${catalogId}`} in ${region}`;
  const endpoint = env.AWS_ENDPOINT_URL_GLUE ?? env.AWS_ENDPOINT_URL;
  const glue = new GlueClient({
    region,
    ...(endpoint !== undefined && { endpoint }),
    ...(awsCredentials !== undefined && { credentials: awsCredentials }),
    ...AWS_CALL,
  });
  try {
    let databases = 0;
    let more = false;
    let NextToken: string | undefined;
    for (let page = 0; page < MAX_GLUE_PAGES; page++) {
      const answer = await glue.send(
        new GetDatabasesCommand({ CatalogId: catalogId, NextToken, MaxResults: 100 }),
      );
      databases += answer.DatabaseList?.length ?? 0;
      NextToken = answer.NextToken;
      more = NextToken !== undefined && NextToken !== '';
      if (!more) break;
    }
    return {
      catalog: 'glue',
      region,
      ...(catalogId !== undefined && { catalogId }),
      databases,
      ...(more && { databasesCounted: `the first ${databases}: there are more` }),
    };
  } catch (error) {
    throw awsError(error, which, {
      who,
      denied: 'glue:GetDatabases',
      notFound: `${which} does not exist (is the catalog id an AWS account id with a Glue Data Catalog?)`,
      region,
    });
  } finally {
    glue.destroy();
  }
}

/**
 * Lists the REST catalog's namespaces with the client and the authentication a pipeline uses (a
 * bearer token, OAuth2 client credentials, or SigV4 with the pipeline's role), after the /v1/config
 * exchange that names the warehouse. A refusal says which authentication was refused, never a secret.
 */
async function testRestCatalog(
  catalog: RestCatalogConnection,
  secrets: SecretResolver,
  { awsCredentials }: ConnectionTestOptions,
): Promise<TestResult> {
  const { auth } = catalog;
  const how =
    auth?.type === 'sigv4'
      ? `SigV4 (signing name ${auth.signingName}, ${auth.region}) as ${identity(awsCredentials)}`
      : auth?.type === 'oauth2'
        ? `OAuth2 client ${auth.clientId}${auth.scope === undefined ? '' : ` with scope ${auth.scope}`}`
        : catalog.credential !== undefined
          ? 'the bearer token'
          : 'no authentication';
  const client = new RestCatalog({
    ...(await restCatalogOptions(catalog, {
      resolveSecret: secrets.resolve,
      ...(awsCredentials !== undefined && { awsCredentials }),
    })),
    timeoutMs: 15_000,
  });
  try {
    const namespaces = await client.listNamespaces();
    return {
      catalog: 'reachable',
      auth: auth?.type ?? (catalog.credential ? 'bearer' : 'none'),
      namespaces: namespaces.length,
    };
  } catch (error) {
    const status = error instanceof CatalogError ? error.status : undefined;
    const said = (error as Error).message;
    if (status === 401 || status === 403 || (status === 400 && auth?.type === 'oauth2'))
      throw new Error(`the catalog at ${catalog.uri} refused ${how} (HTTP ${status}): ${said}`, {
        cause: error,
      });
    throw new Error(`the catalog at ${catalog.uri}, with ${how}: ${said}`, { cause: error });
  }
}

/**
 * The metastore's version (Floe commits only to Hive 4 or newer, which checks a commit's base), then
 * its databases, over the Thrift client a pipeline's Hive catalog uses. It reads no table file, so
 * its FileIO is never used.
 */
async function testHive(catalog: HiveCatalogConnection): Promise<TestResult> {
  const hive = new HiveCatalog({ uri: catalog.uri, io: new LocalFileIO(), timeoutMs: 10_000 });
  try {
    const version = await hive.requireCheckedCommits('connection test');
    const databases = await hive.listNamespaces();
    return { catalog: 'hive', version, databases: databases.length };
  } catch (error) {
    throw new Error(`the Hive metastore at ${catalog.uri}: ${(error as Error).message}`, { cause: error });
  } finally {
    hive.close();
  }
}

/**
 * HeadBucket, then a small probe object written under the connection's prefix and deleted: what a
 * pipeline needs of its bucket (it writes data and metadata files; maintenance deletes them).
 */
async function testStorage(
  storage: StorageConnection,
  env: AwsSettings,
  { awsCredentials }: ConnectionTestOptions,
): Promise<TestResult> {
  const { bucket, prefix, region } = storage;
  const who = identity(awsCredentials);
  // For a bucket in another account, the bucket's policy must allow it too.
  const s3Denied = (action: string) => `${action}, in the bucket's policy too if it is another account's`;
  const endpoint = storage.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const s3 = new S3Client({
    region,
    ...(endpoint !== undefined && { endpoint }),
    // A custom endpoint (MinIO, a local stand-in) rarely has a DNS name per bucket: as S3FileIO does.
    forcePathStyle: storage.endpoint !== undefined,
    ...(awsCredentials !== undefined && { credentials: awsCredentials }),
    ...AWS_CALL,
  });
  const folder = prefix.replace(/^\/+|\/+$/g, '');
  const key = `${folder === '' ? '' : `${folder}/`}${PROBE_FOLDER}/${randomUUID()}`;
  const where = `s3://${bucket}/${key}`;
  try {
    let bucketRegion: string | undefined;
    try {
      bucketRegion = (await s3.send(new HeadBucketCommand({ Bucket: bucket }))).BucketRegion;
    } catch (error) {
      throw awsError(error, `the bucket ${bucket}`, {
        who,
        denied: s3Denied('s3:ListBucket'),
        notFound: `the bucket ${bucket} does not exist${endpoint === undefined ? '' : ` at ${endpoint}`}`,
        region,
      });
    }
    if (bucketRegion !== undefined && bucketRegion !== region)
      throw new Error(
        `the bucket ${bucket} is in ${bucketRegion}, not in ${region}: set the connection's region to ${bucketRegion}`,
      );
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: 'written by a Floe connection test; deleted right after\n',
          ContentType: 'text/plain',
        }),
      );
    } catch (error) {
      throw awsError(error, `writing ${where}`, { who, denied: s3Denied('s3:PutObject'), region });
    }
    try {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      throw awsError(error, `deleting ${where} (written by this test, and left there)`, {
        who,
        denied: s3Denied('s3:DeleteObject'),
        region,
      });
    }
    return { bucket, prefix: folder, region: bucketRegion ?? region, wrote: true, deleted: true };
  } finally {
    s3.destroy();
  }
}

const identity = (credentials: ConnectionTestOptions['awsCredentials']) =>
  credentials === undefined ? "the agent's own AWS identity" : 'the assumed role';

interface AwsErrorHints {
  /** Whose access a 403 refused: the assumed role, or the agent's own identity. */
  who: string;
  /** The IAM action a 403 means is missing, and what else may be needed. */
  denied: string;
  /** What a 404 means. */
  notFound?: string;
  /** The region the connection names. */
  region: string;
}

/** An AWS call's failure said plainly: missing, denied, wrong region, unreachable; AWS's own words after. */
function awsError(error: unknown, what: string, hints: AwsErrorHints): Error {
  const { name, status, code, said } = awsFailure(error);
  const options = { cause: error };
  const actualRegion = (error as { $response?: { headers?: Record<string, string | undefined> } }).$response
    ?.headers?.['x-amz-bucket-region'];
  if (status === 301 || name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed')
    return new Error(
      `${what} is not in ${hints.region}${actualRegion ? `: it is in ${actualRegion}, set the connection's region to that` : ": set the connection's region to the bucket's"} (${said})`,
      options,
    );
  if (status === 404 || name === 'NotFound' || name === 'NoSuchBucket' || name === 'EntityNotFoundException')
    return new Error(`${hints.notFound ?? `${what}: not found`} (${said})`, options);
  if (status === 403 || name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'Forbidden')
    return new Error(`${what}: access denied to ${hints.who} (it needs ${hints.denied}) (${said})`, options);
  if (name === 'CredentialsProviderError')
    return new Error(
      `${what}: the agent has no AWS credentials (an instance role, IRSA, or AWS_* variables) (${said})`,
      options,
    );
  if (code === 'ENOTFOUND')
    return new Error(
      `${what}: the AWS endpoint's host is unknown (is ${hints.region} a region, and the endpoint right?) (${said})`,
      options,
    );
  if (code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'ECONNRESET' || name === 'TimeoutError')
    return new Error(`${what}: the AWS endpoint cannot be reached from the agent (${said})`, options);
  return new Error(`${what}: ${said}`, options);
}

/** The `message` of a registry's JSON error answer (what it says is wrong), if it gave one. */
async function answerMessage(res: Response): Promise<string> {
  const body = (await res.json().catch(() => undefined)) as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? `: ${body.message.slice(0, 300)}` : '';
}
