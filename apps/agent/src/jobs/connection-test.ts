import type { Connection } from '@floe/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { assumeRole } from '../aws/assume-role';
import type { SecretResolver } from '../secrets';

export type TestResult = Record<string, string | number | boolean>;

/**
 * Opens the connection from inside the customer's network and reports what it saw (metadata
 * only: counts and versions). Secret references are resolved here, where the secrets live, and are
 * used as the pipelines would use them (SASL, basic auth to the registry, a bearer token to the catalog).
 * The job runner has checked the connection against the agent's policy before this runs.
 */
export async function testConnection(
  connection: Connection,
  secrets: SecretResolver,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestResult> {
  switch (connection.type) {
    case 'kafka': {
      const { sasl, protocol } = connection.kafka.security;
      const kafka = new Kafka({
        clientId: 'floe-agent-connection-test',
        brokers: connection.kafka.bootstrapServers,
        ssl: protocol === 'SSL' || protocol === 'SASL_SSL',
        ...(sasl
          ? {
              sasl: {
                mechanism: sasl.mechanism.toLowerCase() as 'plain',
                username: sasl.username,
                password: await secrets.resolve(sasl.password),
              },
            }
          : {}),
        logLevel: logLevel.NOTHING,
        connectionTimeout: 5_000,
        retry: { retries: 1 },
      });
      const admin = kafka.admin();
      await admin.connect();
      try {
        const topics = await admin.listTopics();
        const cluster = await admin.describeCluster();
        return { brokers: cluster.brokers.length, topics: topics.filter((t) => !t.startsWith('__')).length };
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
      if (connection.catalog.type !== 'rest')
        throw new Error('testing a Glue catalog needs the AWS role job (not in this agent version)');
      const { uri, credential } = connection.catalog;
      const headers: Record<string, string> = {};
      if (credential !== undefined) headers.Authorization = `Bearer ${await secrets.resolve(credential)}`;
      const res = await fetch(new URL('v1/config', `${uri.replace(/\/$/, '')}/`), {
        headers,
        redirect: 'error',
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) throw new Error(`the catalog answered HTTP ${res.status}`);
      return { catalog: 'reachable' };
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
    default:
      throw new Error(`testing a ${connection.type} connection is not in this agent version`);
  }
}

/** The `message` of a registry's JSON error answer (what it says is wrong), if it gave one. */
async function answerMessage(res: Response): Promise<string> {
  const body = (await res.json().catch(() => undefined)) as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? `: ${body.message.slice(0, 300)}` : '';
}
