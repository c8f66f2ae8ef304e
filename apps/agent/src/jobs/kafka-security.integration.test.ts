import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import type { Connection, SecretRef } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate } from '../../../../infra/local/lib/tls.mjs';
import { agentRedactor } from '../policy/redact';
import { SecretResolver } from '../secrets';
import { stackPolicy } from '../testing/stack-policy';
import { testConnection } from './connection-test';

// Connection tests against the local stack's secured Kafka listeners (SASL_SSL with PLAIN and SCRAM,
// and mTLS), with every password, CA and client key a reference the agent resolves under the stack's
// policy; and the failures a customer meets, each said plainly and without the secret.
const env = process.env;
const PASSWORD_ENV = 'FLOE_SECRET_KAFKA_PASSWORD';
const WRONG_PASSWORD_ENV = 'FLOE_SECRET_KAFKA_WRONG_PASSWORD';
const wrongPassword = `not-${env.FLOE_KAFKA_SASL_PASSWORD}`;
const secrets = new SecretResolver(stackPolicy(), agentRedactor, {
  ...env,
  [PASSWORD_ENV]: env.FLOE_KAFKA_SASL_PASSWORD,
  [WRONG_PASSWORD_ENV]: wrongPassword,
});
const file = (path: string | undefined): SecretRef => ({ from: 'file', path: path as string });
const ca = file(env.FLOE_KAFKA_CA_FILE);
const saslBrokers = [env.FLOE_KAFKA_SASL_BROKERS as string];

function saslSsl(
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
  options: { password?: string; withCa?: boolean } = {},
): Connection {
  return {
    type: 'kafka',
    kafka: {
      bootstrapServers: saslBrokers,
      security: {
        protocol: 'SASL_SSL',
        sasl: {
          mechanism,
          username: env.FLOE_KAFKA_SASL_USERNAME as string,
          password: { from: 'env', name: options.password ?? PASSWORD_ENV },
        },
        ...(options.withCa !== false && { tls: { ca } }),
      },
    },
  };
}

function mtls(brokers: string[], withClientCert = true): Connection {
  return {
    type: 'kafka',
    kafka: {
      bootstrapServers: brokers,
      security: {
        protocol: 'SSL',
        tls: {
          ca,
          ...(withClientCert && {
            clientCert: file(env.FLOE_KAFKA_CLIENT_CERT_FILE),
            clientKey: file(env.FLOE_KAFKA_CLIENT_KEY_FILE),
          }),
        },
      },
    },
  };
}

describe('Kafka connection tests on the secured listeners', () => {
  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('SASL_SSL with %s', async (mechanism) => {
    await expect(testConnection(saslSsl(mechanism), secrets)).resolves.toMatchObject({ brokers: 1 });
  });

  it('mTLS with the client certificate and key', async () => {
    await expect(
      testConnection(mtls([env.FLOE_KAFKA_MTLS_BROKERS as string]), secrets),
    ).resolves.toMatchObject({
      brokers: 1,
    });
  });

  it('names a wrong password, without it', async () => {
    const failure = testConnection(saslSsl('SCRAM-SHA-512', { password: WRONG_PASSWORD_ENV }), secrets);
    await expect(failure).rejects.toThrow(
      `Kafka at ${saslBrokers[0]} refused the SASL login: wrong user name or password`,
    );
    const message = await failure.catch((error: Error) => error.message);
    expect(message).not.toContain(wrongPassword);
    expect(message).not.toContain(env.FLOE_KAFKA_SASL_PASSWORD);
  });

  it('names a broker certificate signed by a CA the agent does not trust', async () => {
    await expect(testConnection(saslSsl('PLAIN', { withCa: false }), secrets)).rejects.toThrow(
      `the certificate of Kafka at ${saslBrokers[0]} is signed by a CA the agent does not trust: give the cluster's CA certificate (tls.ca)`,
    );
  });

  it('names a broker that wants a client certificate', async () => {
    await expect(
      testConnection(mtls([env.FLOE_KAFKA_MTLS_BROKERS as string], false), secrets),
    ).rejects.toThrow(
      'refused the TLS handshake: it wants a client certificate it trusts (tls.clientCert and tls.clientKey)',
    );
  });

  describe('a broker whose certificate, from the trusted CA, is for another host', () => {
    let server: Server;
    let address: string;
    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'floe-kafka-tls-'));
      const keyFile = join(dir, 'key.pem');
      const certFile = join(dir, 'cert.pem');
      const tlsDir = env.FLOE_KAFKA_TLS_DIR as string;
      issueCertificate({
        ca: { ca: join(tlsDir, 'ca.pem'), caKey: join(tlsDir, 'ca-key.pem') },
        subject: '/CN=kafka.elsewhere.invalid',
        altNames: ['DNS:kafka.elsewhere.invalid'],
        usage: 'serverAuth',
        keyFile,
        certFile,
      });
      // It fails at the TLS handshake, before anything Kafka would be said.
      server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      address = `127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('is named as a hostname mismatch', async () => {
      await expect(testConnection(mtls([address]), secrets)).rejects.toThrow(
        `the certificate of Kafka at ${address} is not for the host the agent connected to (hostname mismatch)`,
      );
    });
  });
});
