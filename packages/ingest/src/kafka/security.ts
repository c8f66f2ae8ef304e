import type { PipelineSpec, SecretRef } from '@floe/protocol';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { awsCredentialsProvider } from '../aws-credentials';
import type { KafkaOptions } from './client';
import { mskIamTokenProvider } from './msk-iam';

export type KafkaSecurity = PipelineSpec['source']['security'];

export interface KafkaSecurityHost {
  resolveSecret(ref: SecretRef): Promise<string>;
  /** MSK IAM signs with these (a pipeline's assumed role); the SDK's default chain when unset. */
  awsCredentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/**
 * A spec's security settings as Kafka client options: secret references resolved by the host (the
 * agent, where the secrets live), TLS with the given CA and client certificate, SASL by password
 * or by MSK IAM token.
 */
export async function kafkaSecurityOptions(
  security: KafkaSecurity,
  host: KafkaSecurityHost,
): Promise<Pick<KafkaOptions, 'ssl' | 'sasl'>> {
  const { protocol, sasl, tls } = security;
  const options: Pick<KafkaOptions, 'ssl' | 'sasl'> = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const [ca, cert, key] = await Promise.all(
      [tls?.ca, tls?.clientCert, tls?.clientKey].map((ref) =>
        ref === undefined ? undefined : host.resolveSecret(ref),
      ),
    );
    options.ssl =
      ca === undefined && cert === undefined
        ? true
        : { ...(ca !== undefined && { ca }), ...(cert !== undefined && { cert, key }) };
  }
  if (sasl?.mechanism === 'AWS_MSK_IAM') {
    options.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: mskIamTokenProvider(sasl.region, awsCredentialsProvider(host.awsCredentials)),
    };
  } else if (sasl !== undefined) {
    options.sasl = {
      mechanism: sasl.mechanism.toLowerCase() as 'plain',
      username: sasl.username,
      password: await host.resolveSecret(sasl.password),
    };
  }
  return options;
}

// What Node's TLS and kafkajs say, and what it means for the connection's settings.
const FAILURES: [RegExp, (brokers: string, said: string) => string][] = [
  [
    /authentication failed/i,
    (b, said) =>
      `Kafka at ${b} refused the SASL login: wrong user name or password, or a mechanism the user has no credentials for (${said})`,
  ],
  [
    /self[- ]signed certificate|unable to (verify the first|get local issuer) certificate|certificate signature failure/i,
    (b, said) =>
      `the certificate of Kafka at ${b} is signed by a CA the agent does not trust: give the cluster's CA certificate (tls.ca) (${said})`,
  ],
  [
    /does not match certificate's altnames|ERR_TLS_CERT_ALTNAME_INVALID/i,
    (b, said) =>
      `the certificate of Kafka at ${b} is not for the host the agent connected to (hostname mismatch): use a broker address the certificate names (${said})`,
  ],
  [
    /certificate has expired|certificate is not yet valid/i,
    (b, said) => `the certificate of Kafka at ${b} is not valid now (${said})`,
  ],
  [
    /alert (bad certificate|certificate required|unknown ca|handshake failure)/i,
    (b, said) =>
      `Kafka at ${b} refused the TLS handshake: it wants a client certificate it trusts (tls.clientCert and tls.clientKey) (${said})`,
  ],
  [
    /wrong version number|packet length too long|unexpected eof|socket disconnected before secure TLS/i,
    (b, said) =>
      `Kafka at ${b} did not answer TLS: is this port a TLS listener, and the protocol right (SSL/SASL_SSL vs PLAINTEXT/SASL_PLAINTEXT)? (${said})`,
  ],
  [
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ETIMEDOUT|Connection timeout/i,
    (b, said) => `Kafka at ${b} cannot be reached from the agent (${said})`,
  ],
];

/** Every message in an error and the errors under it (kafkajs wraps the cause as originalError). */
function messages(error: unknown): string[] {
  const seen: string[] = [];
  let current = error as { message?: unknown; originalError?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth += 1) {
    if (typeof current.message === 'string') seen.push(current.message);
    current = (current.originalError ?? current.cause) as typeof current;
  }
  return seen;
}

/**
 * A Kafka connection failure said plainly (wrong password, CA not trusted, hostname mismatch, client
 * certificate refused, not TLS, unreachable), naming the brokers and never a secret; anything else
 * as it was.
 */
export function kafkaFailure(error: unknown, brokers: string[]): unknown {
  const said = messages(error);
  for (const [pattern, explain] of FAILURES) {
    const match = said.find((m) => pattern.test(m));
    if (match !== undefined)
      return new Error(explain(brokers.join(','), match.replace(/^Connection error: /, '').trim()), {
        cause: error,
      });
  }
  return error;
}
