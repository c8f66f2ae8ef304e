import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSchema } from '../../spec/schema';
import { required, T } from '../../spec/types';
import { CatalogError } from '../errors';
import { OAuth2ScopeGate } from './oauth2-scope-gate';
import { readWithPyiceberg } from './pyiceberg';
import { RestCatalog } from './rest-catalog';

// The stack's REST catalog behind a Polaris-style gate: client credentials with principal-role
// scopes, a scope the client lacks refused at the token endpoint, a token's roles enforced per call.
const secret = () => randomBytes(18).toString('base64url');
const clients = {
  'floe-writer': { secret: secret(), roles: ['writer', 'reader'] },
  'floe-reader': { secret: secret(), roles: ['reader'] },
};
const namespace = [`floe_oauth_${randomBytes(4).toString('hex')}`];
const schema = newSchema([required('id', T.long)], { identifierFields: ['id'] });
let gate: OAuth2ScopeGate;

const catalogAs = (clientId: keyof typeof clients, scope: string, clientSecret = clients[clientId].secret) =>
  new RestCatalog({ uri: gate.uri, oauth2: { clientId, clientSecret, scope } });

beforeAll(async () => {
  gate = await OAuth2ScopeGate.start(process.env.FLOE_ICEBERG_REST_URI as string, clients);
});

afterAll(async () => {
  await gate.close();
});

describe('a REST catalog with OAuth2 scopes (Polaris, Unity, Snowflake Open Catalog style)', () => {
  it('writes with a writer scope, asked for in the token request; a fresh token after a revocation', async () => {
    const catalog = catalogAs('floe-writer', 'PRINCIPAL_ROLE:writer');
    await catalog.createNamespace(namespace);
    const created = await catalog.createTable(namespace, { name: 'scoped', schema });
    gate.revokeAll();
    await catalog.updateTable(
      created.identifier,
      [{ type: 'assert-table-uuid', uuid: created.metadata.tableUuid }],
      [{ action: 'set-properties', updates: { 'floe.scope': 'writer' } }],
    );
    expect(gate.tokenRequests).toEqual([
      { clientId: 'floe-writer', scope: 'PRINCIPAL_ROLE:writer' },
      { clientId: 'floe-writer', scope: 'PRINCIPAL_ROLE:writer' },
    ]);
  });

  it('reads with a reader scope, and is told which roles lack the right to write', async () => {
    const catalog = catalogAs('floe-reader', 'PRINCIPAL_ROLE:reader');
    expect(await catalog.listTables(namespace)).toEqual([{ namespace, name: 'scoped' }]);
    const error = await catalog.createNamespace([`${namespace[0]}_no`]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).status).toBe(403);
    expect((error as Error).message).toContain(
      "Principal 'floe-reader' with activated PrincipalRoles '[reader]' is not authorized",
    );
  });

  it('names the refused scope, or the refused client, never the secret', async () => {
    const refused = await catalogAs('floe-reader', 'PRINCIPAL_ROLE:writer')
      .listNamespaces()
      .catch((e: Error) => e);
    expect((refused as CatalogError).status).toBe(400);
    expect((refused as Error).message).toContain(
      'for client "floe-reader" with scope "PRINCIPAL_ROLE:writer" refused: invalid_scope: The scope PRINCIPAL_ROLE:writer is not granted to floe-reader (HTTP 400)',
    );
    const wrong = secret();
    const badClient = await catalogAs('floe-writer', 'PRINCIPAL_ROLE:ALL', wrong)
      .listNamespaces()
      .catch((e: Error) => e);
    expect((badClient as CatalogError).status).toBe(401);
    expect((badClient as Error).message).toContain('invalid_client: Client authentication failed');
    for (const error of [refused, badClient]) {
      expect((error as Error).message).not.toContain(wrong);
      expect((error as Error).message).not.toContain(clients['floe-writer'].secret);
      expect((error as Error).message).not.toContain(clients['floe-reader'].secret);
    }
  });

  it("is read back by pyiceberg through the same gate with pyiceberg's own OAuth2 client", async () => {
    const view = await readWithPyiceberg(namespace, 'scoped', {
      uri: gate.uri,
      credential: `floe-reader:${clients['floe-reader'].secret}`,
      scope: 'PRINCIPAL_ROLE:ALL',
    });
    expect(view.properties['floe.scope']).toBe('writer');
    expect(gate.tokenRequests.at(-1)).toEqual({ clientId: 'floe-reader', scope: 'PRINCIPAL_ROLE:ALL' });
  });
});
