// AWS MSK IAM authentication: a SASL OAUTHBEARER token that is a SigV4-presigned URL for the action
// kafka-cluster:Connect, as AWS's aws-msk-iam-sasl-signer libraries make it (service kafka-cluster,
// host kafka.<region>.amazonaws.com, 900 seconds, the whole URL base64url-encoded without padding).
import { sigv4PresignedUrl } from '@floe/iceberg';
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

/** The token for `region` signed with `credentials` at `now`. */
export function mskIamToken(region: string, credentials: AwsCredentialIdentity, now: Date): MskIamToken {
  const url = sigv4PresignedUrl(
    `https://kafka.${region}.amazonaws.com/`,
    [['Action', ACTION]],
    credentials,
    { region, service: SERVICE },
    now,
    MSK_TOKEN_SECONDS,
    // The user agent rides along unsigned, as AWS's signers add it after signing.
    [['User-Agent', USER_AGENT]],
  );
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
