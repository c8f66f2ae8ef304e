import { CommitFailedError } from '../catalog/errors';
import { RewriteConflictError } from '../transaction/replace';
import { retrying } from '../transaction/retry';

/** How a rewrite that lost to a concurrent commit is planned again from the table's new head. */
export interface ReplanOptions {
  /** Plans in all, the first included (default 4). */
  maxPlans?: number;
  /** Backoff before plan n+1 is min(maxReplanBackoffMs, minReplanBackoffMs * 2^(n-1)), with jitter (defaults 1000 and 15000). */
  minReplanBackoffMs?: number;
  maxReplanBackoffMs?: number;
}

export const DEFAULT_MAX_PLANS = 4;

/**
 * A rewrite's plan no longer holds: what it would replace was replaced by another commit, or rows of a
 * data file it rewrites were deleted by one (RewriteConflictError), or the commit's own attempts ran
 * out against a busy table (CommitFailedError). Either way a plan made on the new head may well land.
 */
export function isRewriteConflict(error: unknown): boolean {
  return error instanceof RewriteConflictError || error instanceof CommitFailedError;
}

/**
 * Runs `attempt` (plan, write and commit) until it lands or fails otherwise than by a conflict, at most
 * `maxPlans` times, waiting longer before each new plan. Returns its result and how many plans it took.
 */
export async function withReplanning<T>(
  options: ReplanOptions,
  attempt: (plan: number) => Promise<T>,
): Promise<{ result: T; plans: number }> {
  let plans = 0;
  const result = await retrying(
    {
      maxAttempts: options.maxPlans ?? DEFAULT_MAX_PLANS,
      minBackoffMs: options.minReplanBackoffMs ?? 1000,
      maxBackoffMs: options.maxReplanBackoffMs ?? 15_000,
    },
    isRewriteConflict,
    (plan) => {
      plans = plan;
      return attempt(plan);
    },
  );
  return { result, plans };
}
