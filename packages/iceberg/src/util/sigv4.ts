// AWS Signature Version 4 (AWS4-HMAC-SHA256), as AWS's general reference specifies it: the one
// implementation Floe signs with, for headers (REST catalogs behind AWS: the Glue Iceberg endpoint,
// S3 Tables) and for presigned URLs (the MSK IAM token). Checked against AWS's published test suite.
import { createHash, createHmac } from 'node:crypto';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** A temporary identity's session token (an assumed role's). */
  sessionToken?: string;
}

export interface SigV4Scope {
  region: string;
  /** The signing name: `glue`, `s3tables`, `kafka-cluster`, ... */
  service: string;
}

export interface SigV4Request {
  method: string;
  /** As sent: path and query percent-encoded as they go on the wire. */
  url: string;
  /** The headers to sign, as sent (a repeated name's values in order). */
  headers: readonly (readonly [string, string])[];
  /** Hex SHA-256 of the body as sent. */
  payloadHash: string;
}

export interface SigV4Signature {
  signature: string;
  /** The lowercase names of the signed headers, `;`-separated. */
  signedHeaders: string;
  /** `<day>/<region>/<service>/aws4_request`. */
  credentialScope: string;
  canonicalRequest: string;
  stringToSign: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

export const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

/** SigV4's percent-encoding: every byte but the unreserved characters A-Z a-z 0-9 - _ . ~ */
export const sigv4Encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `20150830T123600Z`: the signing time as X-Amz-Date spells it. */
export const amzDate = (at: Date) =>
  at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

function decodeOrRaw(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The canonical path of every service but S3: dot segments resolved (the URL parser did), repeated
 * slashes collapsed, and each segment encoded again — the wire form is encoded once already, so
 * `%1F` (the REST catalog's namespace separator) is signed as `%251F`.
 */
function canonicalPath(pathname: string): string {
  const path = pathname.replace(/\/{2,}/g, '/');
  return path.split('/').map(sigv4Encode).join('/') || '/';
}

/** Parameters decoded and encoded again the one way SigV4 allows, sorted by name then value. */
function canonicalQuery(search: string): string {
  if (search.length <= 1) return '';
  return search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const at = pair.indexOf('=');
      const name = at < 0 ? pair : pair.slice(0, at);
      const value = at < 0 ? '' : pair.slice(at + 1);
      return [sigv4Encode(decodeOrRaw(name)), sigv4Encode(decodeOrRaw(value))] as const;
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function canonicalHeaders(headers: SigV4Request['headers']): { text: string; names: string } {
  const byName = new Map<string, string[]>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const values = byName.get(key) ?? [];
    values.push(value.trim().replace(/ {2,}/g, ' '));
    byName.set(key, values);
  }
  const names = [...byName.keys()].sort();
  return {
    text: names.map((name) => `${name}:${(byName.get(name) ?? []).join(',')}\n`).join(''),
    names: names.join(';'),
  };
}

/** The signature of `request` at `date` (its X-Amz-Date, or the presigned URL's). */
export function sigv4Sign(
  request: SigV4Request,
  credentials: SigV4Credentials,
  scope: SigV4Scope,
  date: string,
): SigV4Signature {
  const url = new URL(request.url);
  const headers = canonicalHeaders(request.headers);
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(url.pathname),
    canonicalQuery(url.search),
    headers.text,
    headers.names,
    request.payloadHash,
  ].join('\n');
  const day = date.slice(0, 8);
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [ALGORITHM, date, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [scope.region, scope.service, 'aws4_request']) key = hmac(key, part);
  return {
    signature: createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex'),
    signedHeaders: headers.names,
    credentialScope,
    canonicalRequest,
    stringToSign,
  };
}

/** The Authorization header of a signature made with `accessKeyId`. */
export const sigv4Authorization = (accessKeyId: string, s: SigV4Signature) =>
  `${ALGORITHM} Credential=${accessKeyId}/${s.credentialScope}, SignedHeaders=${s.signedHeaders}, Signature=${s.signature}`;

/**
 * The headers that sign a request: host, x-amz-date, x-amz-content-sha256 (the body's hash, so the
 * server can check the body too), x-amz-security-token for temporary credentials, and
 * Authorization. `headers` are the request's own, all signed.
 */
export function sigv4Headers(
  request: { method: string; url: string; headers: Record<string, string>; body: string | Uint8Array },
  credentials: SigV4Credentials,
  scope: SigV4Scope,
  now: Date,
): Record<string, string> {
  const date = amzDate(now);
  const payloadHash = sha256Hex(request.body);
  const added: Record<string, string> = {
    host: new URL(request.url).host,
    'x-amz-date': date,
    'x-amz-content-sha256': payloadHash,
    ...(credentials.sessionToken !== undefined && { 'x-amz-security-token': credentials.sessionToken }),
  };
  const signed = sigv4Sign(
    {
      method: request.method,
      url: request.url,
      headers: [...Object.entries(request.headers), ...Object.entries(added)],
      payloadHash,
    },
    credentials,
    scope,
    date,
  );
  return { ...added, authorization: sigv4Authorization(credentials.accessKeyId, signed) };
}

/**
 * A presigned GET URL (query-string authentication, host the one signed header, empty payload):
 * `params` go in the query with the X-Amz-* parameters; `unsignedParams` are appended after the
 * signature, as AWS's presigners add a user agent.
 */
export function sigv4PresignedUrl(
  url: string,
  params: readonly (readonly [string, string])[],
  credentials: SigV4Credentials,
  scope: SigV4Scope,
  now: Date,
  expiresSeconds: number,
  unsignedParams: readonly (readonly [string, string])[] = [],
): string {
  const date = amzDate(now);
  const query: (readonly [string, string])[] = [
    ...params,
    ['X-Amz-Algorithm', ALGORITHM],
    [
      'X-Amz-Credential',
      `${credentials.accessKeyId}/${date.slice(0, 8)}/${scope.region}/${scope.service}/aws4_request`,
    ],
    ['X-Amz-Date', date],
    ['X-Amz-Expires', String(expiresSeconds)],
    ...(credentials.sessionToken !== undefined
      ? [['X-Amz-Security-Token', credentials.sessionToken] as const]
      : []),
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const encoded = query.map(([k, v]) => `${sigv4Encode(k)}=${sigv4Encode(v)}`);
  const base = new URL(url);
  const unsigned = `${base.origin}${base.pathname}?${encoded.join('&')}`;
  const { signature } = sigv4Sign(
    { method: 'GET', url: unsigned, headers: [['host', base.host]], payloadHash: sha256Hex('') },
    credentials,
    scope,
    date,
  );
  // The canonical (sorted) order on the wire, as AWS's presigners send it.
  const sorted = canonicalQuery(`?${encoded.join('&')}`);
  const extra = unsignedParams.map(([k, v]) => `&${sigv4Encode(k)}=${sigv4Encode(v)}`).join('');
  return `${base.origin}${base.pathname}?${sorted}&X-Amz-Signature=${signature}${extra}`;
}
