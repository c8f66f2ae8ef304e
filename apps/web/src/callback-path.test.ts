import { describe, expect, it } from 'vitest';
import { callbackPath } from './callback-path';

describe('the page to return to after signing in', () => {
  it('keeps a path of this site, with its query', () => {
    expect(callbackPath('/orgs/acme', '/orgs')).toBe('/orgs/acme');
    expect(callbackPath('/invite/floe_inv_x?y=1#z', '/orgs')).toBe('/invite/floe_inv_x?y=1#z');
  });

  it('refuses anything a browser would take off-site', () => {
    for (const offSite of [
      '//evil.com',
      '/\\evil.com',
      '/\\/evil.com',
      '/\t/evil.com',
      'https://evil.com/orgs',
      'javascript:alert(1)',
      undefined,
    ]) {
      expect(callbackPath(offSite, '/orgs')).toBe('/orgs');
    }
  });
});
