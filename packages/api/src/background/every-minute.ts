import { MINUTE_MS } from '@floe/contracts';

/**
 * Runs `pass` shortly after every minute turns (`delayMs` after it), one pass after the other, until the
 * returned function stops it. A failed pass is logged; the next one runs all the same. The timer never
 * keeps the process alive.
 */
export function everyMinute(
  name: string,
  pass: () => Promise<void>,
  log: (message: string) => void,
  delayMs = 0,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(run, MINUTE_MS - (Date.now() % MINUTE_MS) + delayMs);
    timer.unref();
  };
  const run = async () => {
    try {
      await pass();
    } catch (error) {
      log(`${name} failed: ${error instanceof Error ? error.message : error}`);
    }
    schedule();
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
