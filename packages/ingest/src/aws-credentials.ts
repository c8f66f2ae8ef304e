import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Given credentials as a provider (a pipeline's assumed role), or the SDK's default chain when unset. */
export function awsCredentialsProvider(
  given: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined,
): AwsCredentialIdentityProvider {
  if (given === undefined) return defaultProvider();
  return typeof given === 'function' ? given : async () => given;
}
