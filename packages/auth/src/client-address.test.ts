import { describe, expect, it } from 'vitest';
import { clientAddress, trustedProxiesOf } from './client-address';

describe('the client address behind trusted proxies', () => {
  it('takes the entry the outermost trusted proxy wrote, whatever the client put before it', () => {
    expect(clientAddress('203.0.113.9', 1)).toBe('203.0.113.9');
    expect(clientAddress('1.2.3.4, 203.0.113.9', 1)).toBe('203.0.113.9');
    expect(clientAddress('1.2.3.4, 203.0.113.9, 10.0.0.2', 2)).toBe('203.0.113.9');
    expect(clientAddress(['1.2.3.4', '203.0.113.9'], 1)).toBe('203.0.113.9');
  });

  it('uses the leftmost entry when fewer proxies wrote than are configured, and nothing without a header', () => {
    expect(clientAddress('203.0.113.9', 2)).toBe('203.0.113.9');
    expect(clientAddress(undefined, 1)).toBeUndefined();
    expect(clientAddress(' , ', 1)).toBeUndefined();
  });

  it('reads FLOE_TRUSTED_PROXIES, and names it when it is not a count of proxies', () => {
    expect(trustedProxiesOf({ NODE_ENV: 'test' })).toBe(1);
    expect(trustedProxiesOf({ NODE_ENV: 'test', FLOE_TRUSTED_PROXIES: '2' })).toBe(2);
    expect(() => trustedProxiesOf({ NODE_ENV: 'test', FLOE_TRUSTED_PROXIES: 'yes' })).toThrow(
      /FLOE_TRUSTED_PROXIES/,
    );
    expect(() => trustedProxiesOf({ NODE_ENV: 'test', FLOE_TRUSTED_PROXIES: '0' })).toThrow(/1 or more/);
  });
});
