// Manifests are read a few at a time: enough to hide the store's latency, few enough for a small agent.
export const READ_CONCURRENCY = 8;

/** Runs `work` over `items`, at most `concurrency` (default READ_CONCURRENCY) at a time; the first failure fails the whole. */
export async function forEachLimited<T>(
  items: readonly T[],
  work: (item: T) => Promise<void>,
  concurrency = READ_CONCURRENCY,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
