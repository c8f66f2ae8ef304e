// AWS MSK IAM authentication: a SASL OAUTHBEARER token that is a SigV4-presigned URL for the action
// kafka-cluster:Connect, as AWS's aws-msk-iam-sasl-signer libraries make it (service kafka-cluster,
// host kafka.<region>.amazonaws.com, 900 seconds, the whole URL base64url-encoded without padding).
import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

const SERVICE = 'kafka-cluster';
const ACTION = 'kafka-cluster:Connect';
/** How long a token is valid, as AWS's signers make it. */
export const MSK_TOKEN_SECONDS = 900;
/** A token is made anew once less than this is left of it (or of the credentials that signed it). */
export const MSK_TOKEN_REFRESH_MS = 180_000;
const USER_AGENT = 'floe-agent';

export interface MskIamToken {
  token: string;
  /** When the token stops being accepted: its own expiry, or its credentials' if sooner (ms since the epoch). */
  expiresAtMs: number;
}

/** SigV4's percent-encoding: everything but unreserved characters. */
const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

/** The token for `region` signed with `credentials` at `now`. */
export function mskIamToken(region: string, credentials: AwsCredentialIdentity, now: Date): MskIamToken {
  const host = `kafka.${region}.amazonaws.com`;
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/${SERVICE}/aws4_request`;
  const query: [string, string][] = [
    ['Action', ACTION],
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(MSK_TOKEN_SECONDS)],
    ...(credentials.sessionToken
      ? [['X-Amz-Security-Token', credentials.sessionToken] as [string, string]]
      : []),
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const canonicalQuery = query
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join('&');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${host}\n`, 'host', sha256('')].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [region, SERVICE, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  // The user agent rides along unsigned, as AWS's signers add it after signing.
  const url = `https://${host}/?${canonicalQuery}&X-Amz-Signature=${signature}&User-Agent=${USER_AGENT}`;
  const expiresAtMs = Math.min(
    now.getTime() + MSK_TOKEN_SECONDS * 1000,
    credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY,
  );
  return { token: Buffer.from(url, 'utf8').toString('base64url'), expiresAtMs };
}

/**
 * kafkajs's `oauthBearerProvider` for MSK IAM: it is asked on every (re)authentication; the token
 * is kept until MSK_TOKEN_REFRESH_MS before it (or the credentials that signed it) expire, then
 * signed again with fresh credentials from the provider (an assumed role's provider refreshes itself).
 */
export function mskIamTokenProvider(
  region: string,
  credentials: AwsCredentialIdentityProvider,
  now: () => number = Date.now,
): () => Promise<{ value: string }> {
  let current: MskIamToken | undefined;
  return async () => {
    if (current === undefined || current.expiresAtMs - now() < MSK_TOKEN_REFRESH_MS) {
      let identity: AwsCredentialIdentity;
      try {
        identity = await credentials();
      } catch (error) {
        throw new Error(`MSK IAM: no AWS credentials to sign the token with (${(error as Error).message})`, {
          cause: error,
        });
      }
      current = mskIamToken(region, identity, new Date(now()));
    }
    return { value: current.token };
  };
}
