import { CatalogError } from '../errors';
import { parseErrorBody } from './http';

/** OAuth2 client credentials for a REST catalog (the spec's /v1/oauth/tokens, or an external server). */
export interface OAuth2ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** Default "PRINCIPAL_ROLE:ALL", as Polaris and the reference clients ask. */
  scope?: string;
  /** The token endpoint; default `<catalog uri>/v1/oauth/tokens`. */
  serverUri?: string;
}

export interface OAuth2TokenSourceOptions extends OAuth2ClientCredentials {
  serverUri: string;
  /** Time limit of a token request (default 60 s). */
  timeoutMs?: number;
  /** The clock, in epoch ms (tests move it). */
  now?: () => number;
}

interface CachedToken {
  value: string;
  /** When to fetch a new one; undefined when the server gave no lifetime (then only a 401 renews it). */
  refreshAtMs: number | undefined;
}

export const DEFAULT_OAUTH2_SCOPE = 'PRINCIPAL_ROLE:ALL';
// Renew this long before expiry, so a request never leaves with a token about to lapse.
const REFRESH_MARGIN_MS = 60_000;

/**
 * Bearer tokens from the client credentials grant: fetched on first use, shared by concurrent
 * callers, renewed ahead of expiry, and dropped when the server refuses one (a 401).
 */
export class OAuth2TokenSource {
  private cached: Promise<CachedToken> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: OAuth2TokenSourceOptions) {
    this.now = options.now ?? Date.now;
  }

  async token(): Promise<string> {
    const pending = this.cached;
    if (pending !== undefined) {
      const current = await pending;
      if (current.refreshAtMs === undefined || this.now() < current.refreshAtMs) return current.value;
      // Due for renewal: the first caller to notice starts one fetch, the others share it.
      if (this.cached === pending) this.cached = undefined;
    }
    this.cached ??= this.fetchToken().catch((error: unknown) => {
      this.cached = undefined; // the next call tries again
      throw error;
    });
    return (await this.cached).value;
  }

  /** The server refused `token`: the next call fetches another (unless one was fetched meanwhile). */
  async invalidate(token: string): Promise<void> {
    const pending = this.cached;
    if (pending === undefined) return;
    const current = await pending.catch(() => undefined);
    if (current?.value === token && this.cached === pending) this.cached = undefined;
  }

  private async fetchToken(): Promise<CachedToken> {
    const { serverUri, clientId, clientSecret } = this.options;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      scope: this.options.scope ?? DEFAULT_OAUTH2_SCOPE,
    });
    const issuedAt = this.now();
    let status: number;
    let text: string;
    try {
      const response = await fetch(serverUri, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      const reason =
        error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : error;
      throw new CatalogError(
        `OAuth2 token request to ${serverUri} failed: ${String(reason)}`,
        undefined,
        undefined,
        {
          cause: error,
        },
      );
    }
    if (status < 200 || status >= 300) {
      // The scope asked for is part of what was refused (invalid_scope: a role the client lacks).
      throw new CatalogError(
        `OAuth2 token request to ${serverUri} for client "${clientId}" with scope "${form.get('scope')}" refused: ${oauthErrorMessage(text)} (HTTP ${status})`,
        status,
      );
    }
    return readTokenResponse(serverUri, text, issuedAt);
  }
}

function readTokenResponse(serverUri: string, text: string, issuedAt: number): CachedToken {
  let body: { access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new CatalogError(`OAuth2 token response of ${serverUri} is not JSON: ${text.slice(0, 200)}`);
  }
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw new CatalogError(`OAuth2 token response of ${serverUri} has no access_token`);
  }
  const lifetimeMs =
    typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : undefined;
  return {
    value: body.access_token,
    refreshAtMs:
      lifetimeMs === undefined
        ? undefined
        : issuedAt + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2),
  };
}

/** RFC 6749's {"error", "error_description"}, or the catalog's own error body. */
function oauthErrorMessage(text: string): string {
  try {
    const o = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    if (typeof o.error === 'string') {
      return typeof o.error_description === 'string' ? `${o.error}: ${o.error_description}` : o.error;
    }
  } catch {
    // not an OAuth error body
  }
  return parseErrorBody(text).message;
}
