import { AssumeRoleCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';

export interface AssumeRoleRequest {
  roleArn: string;
  /** Required: the role's trust policy names it, so no other Floe tenant can assume the role. */
  externalId: string;
  sessionName: string;
  /** 900 to 43,200 seconds (AWS's bounds; some STS servers do not check them). Default 3,600. */
  durationSeconds?: number;
}

export interface StsConnection {
  region: string;
  /** Set for an STS other than AWS's regional one (a VPC endpoint, a local test server). */
  endpoint?: string;
  /** The agent's own identity; default: the AWS SDK's provider chain (instance role, env, ...). */
  credentials?: STSClientConfig['credentials'];
}

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** STS answered that this identity may not assume the role (wrong external id, trust policy, permissions). */
export class AssumeRoleRefusedError extends Error {
  override name = 'AssumeRoleRefusedError';
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

export async function assumeRole(
  request: AssumeRoleRequest,
  sts: StsConnection,
): Promise<TemporaryCredentials> {
  const { roleArn, externalId, sessionName, durationSeconds = 3600 } = request;
  if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(roleArn))
    throw new TypeError(`roleArn must be an IAM role ARN, got ${JSON.stringify(roleArn)}`);
  if (!EXTERNAL_ID.test(externalId ?? ''))
    throw new TypeError('externalId must be 2 to 1224 characters of letters, digits and +=,.@:/-');
  if (!SESSION_NAME.test(sessionName))
    throw new TypeError('sessionName must be 2 to 64 characters of letters, digits and +=,.@_-');
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43_200)
    throw new RangeError(`durationSeconds must be a whole number from 900 to 43200, got ${durationSeconds}`);

  const client = new STSClient({ region: sts.region, endpoint: sts.endpoint, credentials: sts.credentials });
  try {
    const { Credentials: c } = await client.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        ExternalId: externalId,
        RoleSessionName: sessionName,
        DurationSeconds: durationSeconds,
      }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
      throw new Error('STS answered AssumeRole without complete credentials');
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  } catch (error) {
    // Classify by status: error names differ between AWS and compatible servers.
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    // STS answers a wrong external ID and an untrusted caller alike; the external ID is the usual cause.
    if (status === 403)
      throw new AssumeRoleRefusedError(
        `not allowed to assume ${roleArn}: the external ID ${externalId} does not match the role's trust ` +
          `policy, or the policy does not trust this agent's AWS identity (STS: ${(error as Error).message})`,
        { cause: error },
      );
    throw error;
  } finally {
    client.destroy();
  }
}
