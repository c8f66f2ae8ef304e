import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSchema } from '../../spec/schema';
import { required, T } from '../../spec/types';
import { sigv4Headers } from '../../util/sigv4';
import { CatalogError } from '../errors';
import { readWithPyiceberg } from './pyiceberg';
import { RestCatalog } from './rest-catalog';
import { SigV4VerifyingProxy } from './sigv4-verifying-proxy';

// The stack's REST catalog behind a proxy that checks SigV4 as AWS's Glue Iceberg endpoint does:
// our signer must pass it, botocore's (pyiceberg's SigV4 adapter) too, and bad keys must not.
const scope = { region: 'eu-west-1', service: 'glue' };
const key = {
  accessKeyId: 'ASIAFLOETEST00000001',
  secretAccessKey: randomBytes(30).toString('base64'),
  sessionToken: `session-${randomBytes(24).toString('base64')}`,
};
const namespace = [`floe_sigv4_${randomBytes(4).toString('hex')}`];
const schema = newSchema([required('id', T.long)], { identifierFields: ['id'] });
let proxy: SigV4VerifyingProxy;

const signedCatalog = (credentials = key, service = scope.service) =>
  new RestCatalog({
    uri: proxy.uri,
    sigv4: { region: scope.region, service, credentials: async () => credentials },
  });

beforeAll(async () => {
  proxy = await SigV4VerifyingProxy.start(process.env.FLOE_ICEBERG_REST_URI as string, [key], scope);
});

afterAll(async () => {
  await proxy.close();
});

describe('a REST catalog signed with SigV4', () => {
  it('creates, commits to and lists tables through the verifying proxy', async () => {
    const catalog = signedCatalog();
    await catalog.createNamespace(namespace);
    const created = await catalog.createTable(namespace, { name: 'signed', schema });
    // A nested namespace's path has the %1F separator, signed double-encoded; a commit has a body.
    await catalog.createNamespace([...namespace, 'inner']);
    expect(await catalog.listTables([...namespace, 'inner'])).toEqual([]);
    await catalog.updateTable(
      created.identifier,
      [{ type: 'assert-table-uuid', uuid: created.metadata.tableUuid }],
      [{ action: 'set-properties', updates: { 'floe.signed': 'yes' } }],
    );
    expect(await catalog.listTables(namespace)).toEqual([{ namespace, name: 'signed' }]);
    expect(proxy.refused).toEqual([]);
    expect(proxy.verified).toBeGreaterThanOrEqual(7);
  });

  it("is read back by pyiceberg signing with botocore's SigV4 through the same proxy", async () => {
    const before = proxy.verified;
    const view = await readWithPyiceberg(namespace, 'signed', {
      uri: proxy.uri,
      'rest.sigv4-enabled': 'true',
      'rest.signing-region': scope.region,
      'rest.signing-name': scope.service,
      'client.access-key-id': key.accessKeyId,
      'client.secret-access-key': key.secretAccessKey,
      'client.session-token': key.sessionToken,
    });
    expect(view.properties['floe.signed']).toBe('yes');
    expect(view.tables).toEqual([[...namespace, 'signed']]);
    expect(proxy.verified).toBeGreaterThan(before);
    expect(proxy.refused).toEqual([]);
  });

  it('says which check failed for a wrong secret, an unknown key and another service, never the secret', async () => {
    const wrongSecret = { ...key, secretAccessKey: 'not-the-secret-0123456789' };
    const attempts = [
      [signedCatalog(wrongSecret), 'The request signature we calculated does not match'],
      [
        signedCatalog({ ...key, accessKeyId: 'ASIAUNKNOWN000000000' }),
        'security token included in the request is invalid',
      ],
      [signedCatalog(key, 's3tables'), "scoped to correct service: 'glue'"],
    ] as const;
    for (const [catalog, said] of attempts) {
      const error = await catalog.listNamespaces().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CatalogError);
      expect((error as CatalogError).status).toBe(403);
      expect((error as Error).message).toContain(said);
      expect((error as Error).message).not.toContain(wrongSecret.secretAccessKey);
      expect((error as Error).message).not.toContain(key.secretAccessKey);
    }
  });

  it('refuses a signed request whose body was changed on the way', async () => {
    const url = `${proxy.uri}/v1/namespaces`;
    const body = JSON.stringify({ namespace: [`${namespace[0]}_a`] });
    const headers = sigv4Headers({ method: 'POST', url, headers: {}, body }, key, scope, new Date());
    const { host: _host, ...sent } = headers;
    const tampered = await fetch(url, {
      method: 'POST',
      headers: sent,
      body: JSON.stringify({ namespace: [`${namespace[0]}_b`] }),
    });
    expect(tampered.status).toBe(403);
    expect(proxy.refused.at(-1)).toContain('signature we calculated does not match');
  });
});
