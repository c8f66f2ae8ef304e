import type { PipelineSpec } from '@floe/protocol';
import { type AgentEnv, agentEnv } from '../config';
import { jobRoleCredentials } from './role-credentials';

/** The role a bucket (or a Glue catalog beside it) is reached with, and the region STS is asked in. */
type Storage = Pick<PipelineSpec['table']['storage'], 'region' | 'roleArn' | 'externalId'>;

/**
 * Credentials for a table's bucket: the customer's role, assumed for this job with its external id
 * and refreshed before it expires, when the storage names one; otherwise undefined, and the SDK's own
 * chain (instance role, IRSA, environment) applies. AWS_ENDPOINT_URL_STS is the SDK's standard name
 * for a non-default STS (a VPC endpoint).
 */
export function storageCredentials(
  storage: Storage,
  agentId: string,
  jobId: string,
  env: Pick<AgentEnv, 'AWS_ENDPOINT_URL_STS' | 'AWS_ENDPOINT_URL'> = agentEnv(),
) {
  if (storage.roleArn === undefined) return undefined;
  if (storage.externalId === undefined) {
    throw new Error(`the role ${storage.roleArn} has no external id: Floe never assumes a role without one`);
  }
  const endpoint = env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL;
  return jobRoleCredentials(
    { roleArn: storage.roleArn, externalId: storage.externalId, agentId, jobId },
    { region: storage.region, ...(endpoint !== undefined && { endpoint }) },
  );
}
