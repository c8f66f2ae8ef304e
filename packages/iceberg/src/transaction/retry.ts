import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  /** Commit attempts in all (default 5): a 409 or an unknown outcome is followed by a reload and a retry. */
  maxAttempts?: number;
  /** Backoff before retry n is min(maxBackoffMs, minBackoffMs * 2^(n-1)), with jitter (defaults 100 and 5000). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 5;

/** How long to wait after failed attempt `attempt` (from 1): exponential, with jitter in its upper half. */
export function backoffMs(attempt: number, options: RetryOptions): number {
  const min = options.minBackoffMs ?? 100;
  const max = options.maxBackoffMs ?? 5000;
  const ceiling = Math.min(max, min * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * Runs `attempt` (numbered from 1) until it returns, or throws an error `retryable` refuses, or
 * `maxAttempts` have failed; waits `backoffMs` between attempts. The one retry loop of the package:
 * the commit loop and maintenance's re-planning both go through it.
 */
export async function retrying<T>(
  options: RetryOptions,
  retryable: (error: unknown) => boolean,
  attempt: (number: number) => Promise<T>,
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  for (let number = 1; ; number += 1) {
    try {
      return await attempt(number);
    } catch (error) {
      if (number >= maxAttempts || !retryable(error)) throw error;
      await sleep(backoffMs(number, options));
    }
  }
}
