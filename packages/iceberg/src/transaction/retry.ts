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
