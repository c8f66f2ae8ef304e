import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CatalogError } from '../errors';
import { OAuth2TokenSource } from './oauth2';
import { RestCatalog } from './rest-catalog';

// A real HTTP server on loopback plays the catalog's token endpoint and one catalog route, so the
// token logic is exercised over the wire; the clock is the test's, so no test waits.

interface TokenRequest {
  form: Record<string, string>;
}

const state = {
  issued: 0,
  tokenRequests: [] as TokenRequest[],
  /** Tokens the "catalog" accepts. */
  valid: new Set<string>(),
  /** Off: the catalog refuses every token, even fresh ones. */
  acceptTokens: true,
  expiresIn: 3600 as number | undefined,
  namespaceRequests: [] as (string | undefined)[],
};

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function handle(request: IncomingMessage, response: ServerResponse) {
  if (request.url === '/v1/oauth/tokens' && request.method === 'POST') {
    const form = Object.fromEntries(new URLSearchParams(await readBody(request)));
    state.tokenRequests.push({ form });
    if (form.client_secret !== 'secret-1') {
      json(response, 401, { error: 'invalid_client', error_description: 'bad client credentials' });
      return;
    }
    state.issued += 1;
    const token = `token-${state.issued}`;
    state.valid.add(token);
    json(response, 200, {
      access_token: token,
      token_type: 'bearer',
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      ...(state.expiresIn === undefined ? {} : { expires_in: state.expiresIn }),
    });
    return;
  }
  const auth = request.headers.authorization?.replace(/^Bearer /, '');
  if (request.url === '/v1/config') {
    json(response, 200, { defaults: {}, overrides: {} });
    return;
  }
  if (request.url === '/v1/namespaces') {
    state.namespaceRequests.push(auth);
    if (auth === undefined || !state.acceptTokens || !state.valid.has(auth)) {
      json(response, 401, {
        error: { message: 'Not authorized', type: 'NotAuthorizedException', code: 401 },
      });
      return;
    }
    json(response, 200, { namespaces: [['a']] });
    return;
  }
  json(response, 404, { error: { message: `no route ${request.url}`, type: 'NotFound', code: 404 } });
}

let server: Server;
let uri: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => json(response, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  state.issued = 0;
  state.tokenRequests = [];
  state.valid.clear();
  state.acceptTokens = true;
  state.expiresIn = 3600;
  state.namespaceRequests = [];
});

const credentials = { clientId: 'floe-agent', clientSecret: 'secret-1' };

describe('OAuth2TokenSource', () => {
  it('asks with the client credentials grant and the default scope, and shares one token', async () => {
    const source = new OAuth2TokenSource({ ...credentials, serverUri: `${uri}/v1/oauth/tokens` });
    const tokens = await Promise.all([source.token(), source.token(), source.token()]);
    expect(tokens).toEqual(['token-1', 'token-1', 'token-1']);
    expect(await source.token()).toBe('token-1');
    expect(state.tokenRequests).toEqual([
      {
        form: {
          grant_type: 'client_credentials',
          client_id: 'floe-agent',
          client_secret: 'secret-1',
          scope: 'PRINCIPAL_ROLE:ALL',
        },
      },
    ]);
  });

  it('renews the token a minute before it expires, not earlier', async () => {
    let now = 1_000_000;
    const source = new OAuth2TokenSource({
      ...credentials,
      serverUri: `${uri}/v1/oauth/tokens`,
      now: () => now,
    });
    expect(await source.token()).toBe('token-1');
    now += 3600_000 - 60_000 - 1;
    expect(await source.token()).toBe('token-1');
    now += 1;
    expect(await source.token()).toBe('token-2');
    expect(state.tokenRequests).toHaveLength(2);
  });

  it('renews a short-lived token at half its life', async () => {
    state.expiresIn = 10;
    let now = 0;
    const source = new OAuth2TokenSource({
      ...credentials,
      serverUri: `${uri}/v1/oauth/tokens`,
      now: () => now,
    });
    expect(await source.token()).toBe('token-1');
    now = 4_999;
    expect(await source.token()).toBe('token-1');
    now = 5_000;
    expect(await source.token()).toBe('token-2');
  });

  it('keeps a token without a lifetime until it is refused, and drops only the refused one', async () => {
    state.expiresIn = undefined;
    let now = 0;
    const source = new OAuth2TokenSource({
      ...credentials,
      serverUri: `${uri}/v1/oauth/tokens`,
      now: () => now,
    });
    expect(await source.token()).toBe('token-1');
    now = 365 * 24 * 3600_000;
    expect(await source.token()).toBe('token-1');
    await source.invalidate('token-0'); // an older token: the current one stays
    expect(await source.token()).toBe('token-1');
    await source.invalidate('token-1');
    expect(await source.token()).toBe('token-2');
  });

  it('names the endpoint, client and OAuth error when the credentials are refused, and tries again later', async () => {
    const source = new OAuth2TokenSource({
      clientId: 'floe-agent',
      clientSecret: 'wrong',
      scope: 'catalog',
      serverUri: `${uri}/v1/oauth/tokens`,
    });
    const error = await source.token().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).status).toBe(401);
    expect((error as Error).message).toBe(
      `OAuth2 token request to ${uri}/v1/oauth/tokens for client "floe-agent" with scope "catalog" refused: invalid_client: bad client credentials (HTTP 401)`,
    );
    await source.token().catch(() => undefined);
    expect(state.tokenRequests.map((r) => r.form.scope)).toEqual(['catalog', 'catalog']);
  });
});

describe('RestCatalog with OAuth2', () => {
  it('sends the bearer token, and after a 401 fetches a new token and retries once', async () => {
    const catalog = new RestCatalog({ uri, oauth2: credentials });
    expect(await catalog.listNamespaces()).toEqual([['a']]);
    expect(state.namespaceRequests).toEqual(['token-1']);
    // The server revokes the token: the next call is refused once, then succeeds with a new token.
    state.valid.delete('token-1');
    expect(await catalog.listNamespaces()).toEqual([['a']]);
    expect(state.namespaceRequests).toEqual(['token-1', 'token-1', 'token-2']);
    expect(state.tokenRequests).toHaveLength(2);
  });

  it('gives up after the one retry when the fresh token is refused too', async () => {
    const catalog = new RestCatalog({ uri, oauth2: credentials });
    state.acceptTokens = false;
    const error = await catalog.listNamespaces().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).status).toBe(401);
    expect((error as Error).message).toBe(
      'list namespaces: Not authorized (HTTP 401 NotAuthorizedException)',
    );
    expect(state.namespaceRequests).toEqual(['token-1', 'token-2']);
  });

  it('refuses a fixed token together with OAuth2 credentials', () => {
    expect(() => new RestCatalog({ uri, token: 't', oauth2: credentials })).toThrow(
      'a REST catalog takes one of a token, OAuth2 credentials or SigV4 signing',
    );
  });
});
