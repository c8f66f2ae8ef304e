import { randomBytes } from 'node:crypto';
import { OAuth2ScopeGate } from '@floe/iceberg/testing/oauth2-gate';
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
let gate: OAuth2ScopeGate;
// The client secret by reference, as a customer's would be: an environment variable the policy allows.
const SECRET_ENV = `FLOE_SECRET_CATALOG_CLIENT_${randomBytes(3).toString('hex').toUpperCase()}`;
const clientSecret = randomBytes(18).toString('base64url');

const restCatalog = (catalog: object): Connection =>
  connectionSchema.parse({
    type: 'catalog',
    catalog: { type: 'rest', warehouse: 's3://warehouse/', ...catalog },
  });

beforeAll(async () => {
  proxy = await SigV4VerifyingProxy.start(restUri, [key], scope);
  gate = await OAuth2ScopeGate.start(restUri, { 'floe-reader': { secret: clientSecret, roles: ['reader'] } });
  process.env[SECRET_ENV] = clientSecret;
});

afterAll(async () => {
  delete process.env[SECRET_ENV];
  await Promise.all([proxy.close(), gate.close()]);
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

  describe('with OAuth2 client credentials and a scope (Polaris-style gate)', () => {
    const oauth2 = (scopeAsked: string) =>
      restCatalog({
        uri: gate.uri,
        auth: {
          type: 'oauth2',
          clientId: 'floe-reader',
          clientSecret: { from: 'env', name: SECRET_ENV },
          scope: scopeAsked,
        },
      });

    it('lists the namespaces with a token for the scope asked', async () => {
      expect(await testConnection(oauth2('PRINCIPAL_ROLE:reader'), stackSecrets())).toMatchObject({
        catalog: 'reachable',
        auth: 'oauth2',
      });
      expect(gate.tokenRequests.at(-1)).toEqual({ clientId: 'floe-reader', scope: 'PRINCIPAL_ROLE:reader' });
    });

    it('names the scope the token endpoint refused, never the secret', async () => {
      const message = await testConnection(oauth2('PRINCIPAL_ROLE:writer'), stackSecrets())
        .then(() => 'passed')
        .catch((e: Error) => e.message);
      expect(message).toContain(
        `the catalog at ${gate.uri} refused OAuth2 client floe-reader with scope PRINCIPAL_ROLE:writer (HTTP 400)`,
      );
      expect(message).toContain(
        'invalid_scope: The scope PRINCIPAL_ROLE:writer is not granted to floe-reader',
      );
      expect(message).not.toContain(clientSecret);
    });
  });
});
