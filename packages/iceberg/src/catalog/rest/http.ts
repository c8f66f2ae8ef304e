/** One HTTP exchange with a REST catalog: auth and extra headers, a time limit, the body as text. */

export interface RestHttpOptions {
  /** Base URI of the catalog, e.g. http://127.0.0.1:8181 (the "/v1/..." paths are added to it). */
  uri: string;
  /** A bearer token, or a function that returns the current one (for tokens that rotate). */
  token?: string | (() => string | Promise<string>);
  /** Sent with every request, e.g. X-Iceberg-Access-Delegation. */
  headers?: Record<string, string>;
  /** Time limit per request (default 60 s). */
  timeoutMs?: number;
  /** Signs each request as it will go (SigV4 for a catalog behind AWS): the headers to add. */
  sign?: (request: SignableRequest) => Promise<Record<string, string>>;
}

export interface SignableRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface RestResponse {
  status: number;
  text: string;
}

/** The request never got an answer; `delivered` says whether the server may have received it. */
export class RestTransportError extends Error {
  override name = 'RestTransportError';
  constructor(
    message: string,
    readonly delivered: boolean,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

// Failures that happen before a byte of the request leaves: the server cannot have acted on it.
const NOT_DELIVERED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export async function restRequest(
  options: RestHttpOptions,
  method: string,
  path: string,
  body?: string,
): Promise<RestResponse> {
  const url = `${options.uri.replace(/\/+$/, '')}/${path}`;
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = typeof options.token === 'function' ? await options.token() : options.token;
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  if (options.sign !== undefined)
    Object.assign(headers, await options.sign({ method, url, headers, body: body ?? '' }));
  try {
    const response = await fetch(url, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    const code = ((error as { cause?: { code?: string } }).cause?.code ?? '') as string;
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? 'timed out'
        : `failed: ${code || String(error)}`;
    throw new RestTransportError(`${method} ${url} ${reason}`, !NOT_DELIVERED.has(code), { cause: error });
  }
}

/** The server's error message and type from an IcebergErrorResponse body ({"error": {...}}), AWS's, or the raw text. */
export function parseErrorBody(text: string): { message: string; type: string | undefined } {
  try {
    const parsed = JSON.parse(text) as {
      error?: { message?: unknown; type?: unknown };
      message?: unknown;
      Message?: unknown;
    };
    const message = parsed.error?.message;
    const type = parsed.error?.type;
    if (typeof message === 'string') return { message, type: typeof type === 'string' ? type : undefined };
    // AWS's own error body (an AWS endpoint refusing a signature or a permission): {"message": ...}.
    const aws = parsed.message ?? parsed.Message;
    if (typeof aws === 'string') return { message: aws, type: undefined };
  } catch {
    // Not JSON (a proxy's error page, an empty body): the text itself is the best message.
  }
  return { message: text.trim() || '(no message)', type: undefined };
}
