import { describe, expect, it } from 'vitest';
import { MSK_TOKEN_REFRESH_MS, MSK_TOKEN_SECONDS, mskIamToken, mskIamTokenProvider } from './msk-iam';

// Vectors made with botocore's SigV4QueryAuth (the engine of AWS's Python MSK IAM signer) for a GET of
// https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect, service kafka-cluster,
// expires 900, at 2026-01-02T03:04:05Z, with these fixed credentials.
const AT = new Date('2026-01-02T03:04:05Z');
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const LONG_TERM = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET };
const VECTORS = [
  {
    region: 'eu-west-1',
    credentials: LONG_TERM,
    botocore:
      'https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260102%2Feu-west-1%2Fkafka-cluster%2Faws4_request&X-Amz-Date=20260102T030405Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=7cc178453342e479def8e0e69cbff443ca929b5b0426af0f4b64554172c7195d',
  },
  {
    region: 'us-east-1',
    credentials: {
      accessKeyId: 'ASIAEXAMPLEEXAMPLE12',
      secretAccessKey: SECRET,
      sessionToken: 'FwoGZXIvYXdzEXAMPLE//token+with/chars=',
    },
    botocore:
      'https://kafka.us-east-1.amazonaws.com/?Action=kafka-cluster%3AConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLEEXAMPLE12%2F20260102%2Fus-east-1%2Fkafka-cluster%2Faws4_request&X-Amz-Date=20260102T030405Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE%2F%2Ftoken%2Bwith%2Fchars%3D&X-Amz-Signature=c81a2c41db72a4998297f4fb941cc533b941df6ff563e5ded62357a8152f7824',
  },
];

const decoded = (token: string) => new URL(Buffer.from(token, 'base64url').toString('utf8'));
const params = (url: URL) => Object.fromEntries(url.searchParams);

describe('MSK IAM token', () => {
  it.each(VECTORS)('is the URL botocore presigns, for $region ($credentials.accessKeyId)', (vector) => {
    const { token, expiresAtMs } = mskIamToken(vector.region, vector.credentials, AT);
    // base64url without padding, as MSK reads it.
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = decoded(token);
    const expected = new URL(vector.botocore);
    expect(url.origin + url.pathname).toBe(expected.origin + expected.pathname);
    expect(params(url)).toEqual({ ...params(expected), 'User-Agent': 'floe-agent' });
    expect(expiresAtMs).toBe(AT.getTime() + MSK_TOKEN_SECONDS * 1000);
  });

  it('expires with the credentials that signed it when they expire first', () => {
    const expiration = new Date(AT.getTime() + 60_000);
    const { expiresAtMs } = mskIamToken('eu-west-1', { ...LONG_TERM, expiration }, AT);
    expect(expiresAtMs).toBe(expiration.getTime());
  });
});

describe('MSK IAM token provider', () => {
  it('keeps a token until shortly before it expires, then signs a new one with fresh credentials', async () => {
    let clock = AT.getTime();
    const asked: number[] = [];
    const provider = mskIamTokenProvider(
      'eu-west-1',
      async () => {
        asked.push(clock);
        return { accessKeyId: `AKID${asked.length}`, secretAccessKey: SECRET };
      },
      () => clock,
    );
    const first = (await provider()).value;
    clock += MSK_TOKEN_SECONDS * 1000 - MSK_TOKEN_REFRESH_MS - 1;
    expect((await provider()).value).toBe(first);
    clock += 2;
    const second = (await provider()).value;
    expect(second).not.toBe(first);
    expect(asked).toHaveLength(2);
    expect(params(decoded(second))['X-Amz-Credential']).toMatch(/^AKID2\//);
    expect(params(decoded(second))['X-Amz-Date']).toBe(
      new Date(clock).toISOString().replace(/[-:]|\.\d{3}/g, ''),
    );
  });

  it('says when there are no credentials to sign with', async () => {
    const provider = mskIamTokenProvider('eu-west-1', async () => {
      throw new Error('Could not load credentials from any providers');
    });
    await expect(provider()).rejects.toThrow(
      'MSK IAM: no AWS credentials to sign the token with (Could not load credentials from any providers)',
    );
  });
});
