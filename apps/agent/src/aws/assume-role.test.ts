import { describe, expect, it } from 'vitest';
import { type AssumeRoleRequest, assumeRole } from './assume-role';

// Checked before any call: a stock moto (and a careless STS proxy) would accept these.
describe('assumeRole refuses a request it should never send', () => {
  const good: AssumeRoleRequest = {
    roleArn: 'arn:aws:iam::123456789012:role/floe-writer',
    externalId: 'floe-0123456789abcdef',
    sessionName: 'floe-agent',
    durationSeconds: 900,
  };
  // An endpoint nobody listens on: reaching the network would fail with a different error.
  const sts = { region: 'us-east-1', endpoint: 'http://127.0.0.1:9' };

  it.each([
    [{ externalId: '' }, /externalId must be/],
    [{ externalId: undefined as unknown as string }, /externalId must be/],
    [{ roleArn: 'floe-writer' }, /roleArn must be an IAM role ARN/],
    [{ sessionName: 'has space' }, /sessionName must be/],
    [{ durationSeconds: 899 }, /durationSeconds must be .* 900 to 43200, got 899/],
    [{ durationSeconds: 43_201 }, /got 43201/],
  ])('%j', async (change, message) => {
    await expect(assumeRole({ ...good, ...change }, sts)).rejects.toThrow(message);
  });
});
