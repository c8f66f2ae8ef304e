import { describe, expect, it } from 'vitest';
import { parseWebEnv } from './env';

const good = {
  DATABASE_URL: 'postgresql://floe:x@db:5432/floe',
  REDIS_URL: 'redis://admin:x@redis:6379',
  NEXTAUTH_SECRET: 'a secret of sixteen characters or more',
};

describe("the web app's environment, checked at boot", () => {
  it('takes a complete one, with HTTPS for agents unless told otherwise', () => {
    expect(parseWebEnv(good)).toMatchObject({ ...good, FLOE_AGENT_TRANSPORT: 'https' });
  });

  it('names a missing variable', () => {
    const { REDIS_URL: _, ...missing } = good;
    expect(() => parseWebEnv(missing)).toThrow(/REDIS_URL: /);
  });

  it.each([
    ['DATABASE_URL', 'mysql://db/floe', 'must be a postgresql:// or postgres:// URL'],
    ['NEXTAUTH_SECRET', 'short', 'at least 16 characters'],
    ['NEXTAUTH_URL', 'floe.example.com', 'must be a http:// or https:// URL'],
    ['FLOE_AGENT_TRANSPORT', 'grpc', '"https"|"bullmq"'],
    ['FLOE_SMTP_URL', 'mail.example.com:587', 'must be a smtp:// or smtps:// URL'],
    ['FLOE_TRUSTED_PROXIES', 'yes', '1 or more'],
    ['FLOE_RETENTION_DAYS', '0.5', 'whole number of days'],
    ['FLOE_ALERTS_ALLOW_PRIVATE_NETWORKS', 'yes', '"true"|"false"'],
  ])('names a malformed %s', (name, value, why) => {
    const attempt = () => parseWebEnv({ ...good, [name]: value });
    expect(attempt).toThrow(`${name}: `);
    expect(attempt).toThrow(why);
  });

  it('names what single sign-on lacks when only part of it is set', () => {
    expect(() => parseWebEnv({ ...good, FLOE_OIDC_ISSUER: 'https://id.example.com' })).toThrow(
      /FLOE_OIDC_CLIENT_ID: must be set with FLOE_OIDC_ISSUER; FLOE_OIDC_CLIENT_SECRET: must be set with FLOE_OIDC_ISSUER/,
    );
  });
});
