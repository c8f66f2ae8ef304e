export function withLock<T>(
  path: string,
  work: () => Promise<T>,
  options?: { timeoutMs?: number; say?: (message: string) => void },
): Promise<T>;
