import { describe, expect, it } from 'vitest';
import { ago, lasting } from './when';

describe('when', () => {
  it('says a duration in its two largest units, rounded down', () => {
    expect(lasting(45.9)).toBe('45 s');
    expect(lasting(4 * 60 + 59)).toBe('4 min');
    expect(lasting(3 * 3600 + 5 * 60)).toBe('3 h 5 min');
    expect(lasting(2 * 3600)).toBe('2 h');
    expect(lasting(2 * 86_400 + 7 * 3600 + 59 * 60)).toBe('2 d 7 h');
    expect(lasting(3 * 86_400)).toBe('3 d');
  });

  it('says how long ago, with under a minute as just now', () => {
    expect(ago(1_000_000 - 30_000, 1_000_000)).toBe('just now');
    expect(ago(1_000_000 - 4 * 60_000, 1_000_000)).toBe('4 min ago');
  });
});
