import { randomBytes } from 'node:crypto';
import { SigV4VerifyingProxy } from '@floe/iceberg/testing/sigv4-proxy';
import { type Connection, connectionSchema } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackSecrets } from '../testing/stack-policy';
import { testConnection } from './connection-test';

// REST catalog connection tests as the agent runs them, with each way a REST catalog authenticates.
const restUri = process.env.FLOE_ICEBERG_REST_URI as string;
const scope = { region: 'eu-west-1', service: 'glue' };
const key = {
  accessKeyId: 'ASIAFLOETEST00000002',
  secretAccessKey: randomBytes(30).toString('base64'),
  sessionToken: `session-${randomBytes(24).toString('base64')}`,
};
let proxy: SigV4VerifyingProxy;

const restCatalog = (catalog: object): Connection =>
  connectionSchema.parse({
    type: 'catalog',
    catalog: { type: 'rest', warehouse: 's3://warehouse/', ...catalog },
  });

beforeAll(async () => {
  proxy = await SigV4VerifyingProxy.start(restUri, [key], scope);
});

afterAll(async () => {
  await proxy.close();
});

describe('REST catalog connection test', () => {
  it('lists the namespaces of an unauthenticated catalog', async () => {
    expect(await testConnection(restCatalog({ uri: restUri }), stackSecrets())).toMatchObject({
      catalog: 'reachable',
      auth: 'none',
      namespaces: expect.any(Number),
    });
  });

  describe('signed with SigV4 (the Glue Iceberg REST endpoint, S3 Tables)', () => {
    const sigv4 = (signingName: string) =>
      restCatalog({ uri: proxy.uri, auth: { type: 'sigv4', region: scope.region, signingName } });

    it('passes the verifying proxy with the role’s credentials', async () => {
      const result = await testConnection(
        sigv4('glue'),
        stackSecrets(),
        {},
        { awsCredentials: async () => key },
      );
      expect(result).toMatchObject({ catalog: 'reachable', auth: 'sigv4' });
      expect(proxy.verified).toBeGreaterThan(0);
    });

    it('says the signature was refused, and by whom, for a wrong secret; never the secret', async () => {
      const wrong = { ...key, secretAccessKey: randomBytes(30).toString('base64') };
      const message = await testConnection(
        sigv4('glue'),
        stackSecrets(),
        {},
        { awsCredentials: async () => wrong },
      )
        .then(() => 'passed')
        .catch((e: Error) => e.message);
      expect(message).toContain(
        `the catalog at ${proxy.uri} refused SigV4 (signing name glue, eu-west-1) as the assumed role (HTTP 403)`,
      );
      expect(message).toContain('The request signature we calculated does not match');
      expect(message).not.toContain(wrong.secretAccessKey);
      expect(message).not.toContain(key.sessionToken);
    });

    it('says so when the signing name is not the endpoint’s', async () => {
      const message = await testConnection(
        sigv4('s3tables'),
        stackSecrets(),
        {},
        { awsCredentials: async () => key },
      )
        .then(() => 'passed')
        .catch((e: Error) => e.message);
      expect(message).toContain("Credential should be scoped to correct service: 'glue'");
    });
  });
});
