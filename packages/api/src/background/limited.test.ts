import { describe, expect, it } from 'vitest';
import { runLimited } from './limited';

describe('runLimited', () => {
  it('runs at most `limit` at a time and keeps the order of the results', async () => {
    let running = 0;
    let most = 0;
    const results = await runLimited([30, 10, 20, 5, 15], 2, async (ms) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return ms * 2;
    });
    expect(most).toBe(2);
    expect(results.map((r) => r.status === 'fulfilled' && r.value)).toEqual([60, 20, 40, 10, 30]);
  });

  it('returns a failure in its place and still runs the rest', async () => {
    const results = await runLimited([1, 2, 3], 1, async (n) => {
      if (n === 2) throw new Error('two');
      return n;
    });
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
