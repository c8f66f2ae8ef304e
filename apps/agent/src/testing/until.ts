/**
 * Asks `find` every quarter second until it returns a value, and returns it; after `ms` throws an
 * error naming what was awaited, with `logs()` (the output that explains why) below it.
 */
export async function until<T>(
  what: string,
  find: () => T | undefined | Promise<T | undefined>,
  ms: number,
  logs = () => '',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
