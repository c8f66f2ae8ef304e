import { describe, expect, it } from 'vitest';
import { globMatches, hostMatches, keyPrefixWithin, pathWithin, urlMatches } from './match';

describe('policy matchers', () => {
  it('compares hosts whole, ports always, and *.domain only below the domain', () => {
    expect(hostMatches('b-1.kafka.internal:9092', 'b-1.kafka.internal:9092')).toBe(true);
    expect(hostMatches('B-1.Kafka.Internal:9092', 'b-1.kafka.internal:9092')).toBe(true);
    expect(hostMatches('b-1.kafka.internal:9093', 'b-1.kafka.internal:9092')).toBe(false);
    expect(hostMatches('b-1.kafka.internal.evil.com:9092', 'b-1.kafka.internal:9092')).toBe(false);
    expect(hostMatches('b-2.kafka.internal:9092', '*.kafka.internal:9092')).toBe(true);
    expect(hostMatches('kafka.internal:9092', '*.kafka.internal:9092')).toBe(false);
    expect(hostMatches('evilkafka.internal:9092', '*.kafka.internal:9092')).toBe(false);
  });

  it('compares URLs by origin, then whole path segments', () => {
    const allowed = 'https://registry.internal/apis/ccompat/v7';
    expect(urlMatches('https://registry.internal/apis/ccompat/v7', allowed)).toBe(true);
    expect(urlMatches('https://registry.internal/apis/ccompat/v7/', allowed)).toBe(true);
    expect(urlMatches('https://registry.internal:443/apis/ccompat/v7/subjects', allowed)).toBe(true);
    expect(urlMatches('https://registry.internal/apis/ccompat/v7x', allowed)).toBe(false);
    expect(urlMatches('https://registry.internal/apis', allowed)).toBe(false);
    expect(urlMatches('http://registry.internal/apis/ccompat/v7', allowed)).toBe(false);
    expect(urlMatches('https://registry.internal:8443/apis/ccompat/v7', allowed)).toBe(false);
    expect(urlMatches('https://registry.internal.evil.com/apis/ccompat/v7', allowed)).toBe(false);
    expect(urlMatches('https://registry.internal@evil.com/apis/ccompat/v7', allowed)).toBe(false);
    expect(urlMatches('https://user:pw@registry.internal/apis/ccompat/v7', allowed)).toBe(false);
    expect(urlMatches('https://registry.internal/apis/ccompat/v7/%2e%2e/x', allowed)).toBe(false);
    expect(urlMatches('not a url', allowed)).toBe(false);
    expect(urlMatches('http://127.0.0.1:18181', 'http://127.0.0.1:18181')).toBe(true);
    expect(urlMatches('http://127.0.0.1:18182', 'http://127.0.0.1:18181')).toBe(false);
  });

  it('reads * in ARNs as any run of characters and everything else literally', () => {
    const pattern = 'arn:aws:iam::123456789012:role/floe-*';
    expect(globMatches('arn:aws:iam::123456789012:role/floe-agent', pattern)).toBe(true);
    expect(globMatches('arn:aws:iam::123456789013:role/floe-agent', pattern)).toBe(false);
    expect(globMatches('arn:aws:iam::123456789012:role/admin', pattern)).toBe(false);
    expect(
      globMatches('arnXaws:iam::123456789012:role/floe-x', 'arn.aws:iam::123456789012:role/floe-*'),
    ).toBe(false);
  });

  it('keeps key prefixes and folders to whole segments', () => {
    expect(keyPrefixWithin('floe/sales', 'floe')).toBe(true);
    expect(keyPrefixWithin('floe/', 'floe')).toBe(true);
    expect(keyPrefixWithin('/floe', 'floe/')).toBe(true);
    expect(keyPrefixWithin('floe-other', 'floe')).toBe(false);
    expect(keyPrefixWithin('', 'floe')).toBe(false);
    expect(keyPrefixWithin('anything', '')).toBe(true);
    expect(keyPrefixWithin('floe/../other', 'floe')).toBe(false);
    expect(pathWithin('/var/run/secrets/floe/kafka', '/var/run/secrets/floe')).toBe(true);
    expect(pathWithin('/var/run/secrets/floe', '/var/run/secrets/floe')).toBe(false);
    expect(pathWithin('/var/run/secrets/floe-other/x', '/var/run/secrets/floe')).toBe(false);
  });
});
