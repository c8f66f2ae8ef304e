import type { SecretRef } from '@floe/protocol';
import { describe, expect, it } from 'vitest';
import { kafkaFailure, kafkaSecurityOptions } from './security';

// The references resolve to their own names, so each option shows which reference it came from.
const host = { resolveSecret: async (ref: SecretRef) => `resolved ${ref.from === 'env' ? ref.name : ''}` };
const env = (name: string): SecretRef => ({ from: 'env', name });

describe('Kafka security options from a spec', () => {
  it('PLAINTEXT: neither TLS nor SASL', async () => {
    await expect(kafkaSecurityOptions({ protocol: 'PLAINTEXT' }, host)).resolves.toEqual({});
  });

  it("SSL without a CA trusts the system's CAs; with one, the CA and the client certificate and key", async () => {
    await expect(kafkaSecurityOptions({ protocol: 'SSL' }, host)).resolves.toEqual({ ssl: true });
    const tls = { ca: env('CA'), clientCert: env('CERT'), clientKey: env('KEY') };
    await expect(kafkaSecurityOptions({ protocol: 'SSL', tls }, host)).resolves.toEqual({
      ssl: { ca: 'resolved CA', cert: 'resolved CERT', key: 'resolved KEY' },
    });
  });

  it('SASL by password resolves the reference and names the mechanism as kafkajs does', async () => {
    const sasl = { mechanism: 'SCRAM-SHA-512' as const, username: 'floe', password: env('PW') };
    await expect(
      kafkaSecurityOptions({ protocol: 'SASL_SSL', sasl, tls: { ca: env('CA') } }, host),
    ).resolves.toEqual({
      ssl: { ca: 'resolved CA' },
      sasl: { mechanism: 'scram-sha-512', username: 'floe', password: 'resolved PW' },
    });
  });

  it("MSK IAM: OAUTHBEARER with a token for the cluster's region, signed with the host's credentials", async () => {
    const options = await kafkaSecurityOptions(
      { protocol: 'SASL_SSL', sasl: { mechanism: 'AWS_MSK_IAM', region: 'eu-west-1' } },
      { ...host, awsCredentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } },
    );
    expect(options.ssl).toBe(true);
    if (options.sasl?.mechanism !== 'oauthbearer') throw new Error('expected OAUTHBEARER');
    const url = new URL(
      Buffer.from((await options.sasl.oauthBearerProvider()).value, 'base64url').toString(),
    );
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
    );
  });
});

describe('Kafka failures', () => {
  it('leaves an error it does not know as it was', () => {
    const error = new Error('The group is rebalancing');
    expect(kafkaFailure(error, ['b:9092'])).toBe(error);
  });

  it('finds the cause under kafkajs wrappers', () => {
    const cause = new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1');
    const wrapped = Object.assign(new Error('Number of retries exceeded'), { originalError: cause });
    expect((kafkaFailure(wrapped, ['127.0.0.1:1']) as Error).message).toBe(
      'Kafka at 127.0.0.1:1 cannot be reached from the agent (connect ECONNREFUSED 127.0.0.1:1)',
    );
  });
});
