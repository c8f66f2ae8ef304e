import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withLock } from './lock.mjs';

const lockIn = () => join(mkdtempSync(join(tmpdir(), 'floe-lock-')), 'run', 'stack.lock');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the stack lock', () => {
  it('runs one holder at a time: the second waits, says so once, then runs; the file goes after', async () => {
    const path = lockIn();
    const events: string[] = [];
    const said: string[] = [];
    const first = withLock(path, async () => {
      events.push('first in');
      await sleep(1200);
      events.push('first out');
    });
    await sleep(50);
    const second = withLock(path, async () => events.push('second in'), { say: (m) => said.push(m) });
    await Promise.all([first, second]);
    expect(events).toEqual(['first in', 'first out', 'second in']);
    expect(said).toEqual([`  · waiting for another stack command (pid ${process.pid}) to finish…`]);
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a lock whose holder is gone, and gives up on a live one after its timeout', async () => {
    const stale = lockIn();
    await withLock(stale, async () => {});
    writeFileSync(stale, '2147483646');
    expect(await withLock(stale, async () => 'ran')).toBe('ran');

    const held = lockIn();
    await withLock(held, async () => {
      await expect(withLock(held, async () => 'never', { timeoutMs: 600, say: () => {} })).rejects.toThrow(
        `another stack command (pid ${process.pid}) still holds ${held}`,
      );
    });
  });
});
