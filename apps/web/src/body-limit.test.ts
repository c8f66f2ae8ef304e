import { AGENT_API, AGENT_API_MAX_BODY_BYTES } from '@floe/protocol';
import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { proxy } from '../proxy';
import { bodyLimitFor, MAX_BODY_BYTES } from './body-limit';

const post = (path: string, headers: Record<string, string>) =>
  proxy(new NextRequest(`http://floe.test${path}`, { method: 'POST', headers }));

describe('request body limits, decided from the headers', () => {
  it('refuses a body declared larger than its route allows with 413, naming the limit', async () => {
    const response = post('/api/agents/enroll', { 'content-length': String(1024 * 1024) });
    expect(response.status).toBe(413);
    expect((await response.json()).error).toMatch(/accepts at most 4096/);
    expect(post('/api/trpc/account.signUp', { 'content-length': String(MAX_BODY_BYTES) }).status).toBe(413);
  });

  it('refuses a streamed body that does not say its length (411), and passes a bounded one on', () => {
    expect(post('/api/agents/events', { 'transfer-encoding': 'chunked' }).status).toBe(411);
    expect(post('/api/agents/events', { 'content-length': 'lots' }).status).toBe(411);
    expect(post('/api/agents/enroll', { 'content-length': '64' }).headers.get('x-middleware-next')).toBe('1');
    expect(post('/api/auth/signout', {}).headers.get('x-middleware-next')).toBe('1');
  });

  it('gives the enroll endpoint (unauthenticated) the smallest limit and events the largest', () => {
    expect(bodyLimitFor('/api/agents/enroll')).toBe(4096);
    expect(bodyLimitFor('/api/agents/events')).toBe(MAX_BODY_BYTES);
    expect(bodyLimitFor('/api/agents/jobs/claim')).toBeLessThan(MAX_BODY_BYTES);
    expect(bodyLimitFor('/orgs/acme')).toBe(64 * 1024);
  });

  it("takes every agent endpoint's limit from the protocol, the one place it is declared", () => {
    for (const [endpoint, path] of Object.entries(AGENT_API))
      expect(bodyLimitFor(path)).toBe(AGENT_API_MAX_BODY_BYTES[endpoint as keyof typeof AGENT_API]);
    expect(MAX_BODY_BYTES).toBe(AGENT_API_MAX_BODY_BYTES.events);
  });
});
