import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/**
 * A real OpenID Connect provider (node-oidc-provider with its built-in login and consent pages)
 * on loopback, for sign-in tests. Any login name is accepted; its email is `<login>@idp.test`.
 */
export async function startOidcIssuer(port: number, redirectUri: string) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'floe',
        client_secret: 'floe-test-secret',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, email: `${sub}@idp.test`, email_verified: true, name: `IdP ${sub}` }),
    }),
    // Put the email and name into the ID token, as Google, Entra ID, Okta and Keycloak do.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
  });
  const server = provider.listen(port);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    client: { id: 'floe', secret: 'floe-test-secret' },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
