import {
  type AssumeRoleRequest,
  assumeRole,
  type StsConnection,
  type TemporaryCredentials,
} from './assume-role';

/** A job's role: the customer's role, assumed once per job so that CloudTrail names agent and job. */
export interface JobRole {
  roleArn: string;
  externalId: string;
  agentId: string;
  jobId: string;
}

/** An hour: the most AWS allows when the agent's own identity is itself a role session (e.g. IRSA). */
export const JOB_SESSION_SECONDS = 3600;
/** Assume again this long before expiry: the AWS SDK asks its provider for new credentials 5 minutes before. */
export const REFRESH_BEFORE_MS = 5 * 60_000;

/** `floe-<agent>-<job>`, in STS's alphabet and 64 characters (the agent part is cut first: job ids differ more). */
export function jobSessionName(agentId: string, jobId: string): string {
  const clean = (s: string) => s.replace(/[^\w+=,.@-]/g, '-');
  return `floe-${clean(agentId).slice(0, 20)}-${clean(jobId)}`.slice(0, 64);
}

export interface RoleCredentialsOptions {
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** The STS call; injectable for tests. */
  assume?: (request: AssumeRoleRequest) => Promise<TemporaryCredentials>;
}

/**
 * A credentials provider for AWS SDK clients (`credentials:`) acting as the job's role: it keeps the
 * assumed credentials and assumes the role again when they are within REFRESH_BEFORE_MS of expiry.
 * Callers at the same moment share one STS call. If a refresh fails while the old credentials are
 * still valid, those are returned and the next call tries again.
 */
export function jobRoleCredentials(
  role: JobRole,
  sts: StsConnection,
  { now = Date.now, assume = (request) => assumeRole(request, sts) }: RoleCredentialsOptions = {},
): () => Promise<TemporaryCredentials> {
  const request: AssumeRoleRequest = {
    roleArn: role.roleArn,
    externalId: role.externalId,
    sessionName: jobSessionName(role.agentId, role.jobId),
    durationSeconds: JOB_SESSION_SECONDS,
  };
  let current: TemporaryCredentials | undefined;
  let refreshing: Promise<TemporaryCredentials> | undefined;

  const refresh = () =>
    assume(request).then(
      (fresh) => {
        current = fresh;
        return fresh;
      },
      (error) => {
        if (current && current.expiration.getTime() > now()) return current;
        throw error;
      },
    );

  return async () => {
    if (current && current.expiration.getTime() - now() > REFRESH_BEFORE_MS) return current;
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };
}
