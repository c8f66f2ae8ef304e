import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerJson, forwardTo, readBody } from './proxy-forward';

/** A client of the gate: its secret and the principal roles it is granted. */
export interface GateClient {
  secret: string;
  roles: readonly string[];
}

/** A role that may change the catalog; every other role may only read. */
export const WRITER_ROLE = 'writer';

const READS = new Set(['GET', 'HEAD']);

/**
 * Test helper: stands in front of the stack's REST catalog as Polaris (or Snowflake Open Catalog)
 * does. Its /v1/oauth/tokens grants client credentials with a scope of `PRINCIPAL_ROLE:<role>`
 * tokens, each a role the client has (`PRINCIPAL_ROLE:ALL`: all of them), refusing any other with
 * RFC 6749's invalid_scope; the catalog then answers a token only within its roles' rights (403
 * ForbiddenException otherwise), and a request without a live token with 401.
 */
export class OAuth2ScopeGate {
  /** Token requests the gate answered, with the error code of those it refused. */
  readonly tokenRequests: { clientId: string; scope: string; error?: string }[] = [];
  private readonly tokens = new Map<string, { clientId: string; roles: string[] }>();

  private constructor(
    private readonly server: Server,
    private readonly upstream: string,
    private readonly clients: Readonly<Record<string, GateClient>>,
  ) {}

  static async start(upstream: string, clients: Record<string, GateClient>): Promise<OAuth2ScopeGate> {
    const server = createServer();
    const gate = new OAuth2ScopeGate(server, upstream, clients);
    server.on('request', (req, res) => {
      gate.handle(req, res).catch((error: Error) => res.writeHead(502).end(error.message));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return gate;
  }

  get uri(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Forgets every token issued, as a server restart or a revocation would. */
  revokeAll(): void {
    this.tokens.clear();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (req.method === 'POST' && req.url === '/v1/oauth/tokens') return this.grant(body, res);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const holder = token === undefined ? undefined : this.tokens.get(token);
    if (holder === undefined) {
      answerJson(res, 401, {
        error: {
          message: 'Not authorized: no valid bearer token',
          type: 'NotAuthorizedException',
          code: 401,
        },
      });
      return;
    }
    if (!READS.has(req.method ?? 'GET') && !holder.roles.includes(WRITER_ROLE)) {
      answerJson(res, 403, {
        error: {
          message: `Principal '${holder.clientId}' with activated PrincipalRoles '[${holder.roles.join(', ')}]' is not authorized for ${req.method} ${req.url?.split('?')[0]}`,
          type: 'ForbiddenException',
          code: 403,
        },
      });
      return;
    }
    await forwardTo(this.upstream, req, body, res);
  }

  private grant(body: Buffer, res: ServerResponse): void {
    const form = new URLSearchParams(body.toString('utf8'));
    const clientId = form.get('client_id') ?? '';
    const scope = form.get('scope') ?? '';
    const granted = this.rolesFor(form, clientId, scope);
    if ('error' in granted) {
      this.tokenRequests.push({ clientId, scope, error: granted.error });
      answerJson(res, granted.status, { error: granted.error, error_description: granted.description });
      return;
    }
    const roles = granted.roles;
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { clientId, roles });
    this.tokenRequests.push({ clientId, scope });
    answerJson(res, 200, {
      access_token: token,
      token_type: 'bearer',
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      expires_in: 3600,
      scope,
    });
  }

  /** The roles a token request activates, or why RFC 6749 refuses it. */
  private rolesFor(
    form: URLSearchParams,
    clientId: string,
    scope: string,
  ): { roles: string[] } | { status: number; error: string; description: string } {
    if (form.get('grant_type') !== 'client_credentials')
      return {
        status: 400,
        error: 'unsupported_grant_type',
        description: 'only client_credentials is supported',
      };
    const client = this.clients[clientId];
    if (client === undefined || client.secret !== form.get('client_secret'))
      return { status: 401, error: 'invalid_client', description: 'Client authentication failed' };
    const roles = new Set<string>();
    for (const part of scope.split(' ')) {
      const role = /^PRINCIPAL_ROLE:(.+)$/.exec(part)?.[1];
      if (role === 'ALL') for (const granted of client.roles) roles.add(granted);
      else if (role !== undefined && client.roles.includes(role)) roles.add(role);
      else
        return {
          status: 400,
          error: 'invalid_scope',
          description: `The scope ${part || '(none)'} is not granted to ${clientId}`,
        };
    }
    return { roles: [...roles] };
  }
}
