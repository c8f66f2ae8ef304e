import { describe, expect, it } from 'vitest';
import { isOlderThan } from './agent-version';

describe('isOlderThan', () => {
  it('orders versions by number, not by text', () => {
    expect(isOlderThan('0.9.0', '0.10.0')).toBe(true);
    expect(isOlderThan('1.10.0', '1.9.3')).toBe(false);
    expect(isOlderThan('0.1.0', '0.1.1')).toBe(true);
    expect(isOlderThan('0.1.0', '0.1.0')).toBe(false);
    expect(isOlderThan('2.0.0', '1.0.0')).toBe(false);
  });

  it('puts a pre-release before its release, and orders pre-releases as semver does', () => {
    expect(isOlderThan('1.2.0-rc.1', '1.2.0')).toBe(true);
    expect(isOlderThan('1.2.0', '1.2.0-rc.1')).toBe(false);
    expect(isOlderThan('1.2.0-rc.2', '1.2.0-rc.10')).toBe(true);
    expect(isOlderThan('1.2.0-alpha', '1.2.0-alpha.1')).toBe(true);
    expect(isOlderThan('1.2.0-1', '1.2.0-alpha')).toBe(true);
    expect(isOlderThan('1.2.0+build.7', '1.2.0')).toBe(false);
  });

  it('says nothing of a version it cannot read', () => {
    expect(isOlderThan('dev', '0.1.0')).toBeNull();
    expect(isOlderThan('0.1', '0.1.0')).toBeNull();
  });
});
