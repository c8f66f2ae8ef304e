import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebApp } from './testing/next-server';

/**
 * Declares a body of `declaredBytes`, sends it 64 KiB at a time, and resolves with the answer. Next
 * keeps only the first proxyClientMaxBodySize bytes for the proxy and drops the rest as it arrives;
 * it answers once the client has sent it (an earlier answer needs a proxy in front, e.g. nginx's
 * client_max_body_size).
 */
function sendUntilAnswered(url: string, declaredBytes: number) {
  return new Promise<{ status: number; body: string; sentBytes: number }>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(declaredBytes) },
    });
    let sentBytes = 0;
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const send = () => {
      while (!answered && sentBytes < declaredBytes) {
        sentBytes += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', send);
      }
      if (!answered) req.end();
    };
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => {
        body += part;
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body, sentBytes });
        req.destroy();
      });
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    send();
  });
}

describe('request bodies are bounded on every route', () => {
  let app: Awaited<ReturnType<typeof startWebApp>>;

  beforeAll(async () => {
    app = await startWebApp();
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('refuses an oversize body to the unauthenticated enroll endpoint with 413, keeping at most 2 MiB of it', async () => {
    const declared = 100 * 1024 * 1024;
    const answer = await sendUntilAnswered(`${app.url}/api/agents/enroll`, declared);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error).toMatch(/accepts at most 4096/);
  });

  it('refuses an oversize tRPC call and a chunked body of unknown length', async () => {
    expect((await sendUntilAnswered(`${app.url}/api/trpc/account.signUp`, 50 * 1024 * 1024)).status).toBe(
      413,
    );
    const chunked = await fetch(`${app.url}/api/agents/enroll`, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{}'));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(411);
  });

  it('passes a body within the limit on to the route', async () => {
    const response = await fetch(`${app.url}/api/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ installToken: 'floe_it_not-a-real-one' }),
    });
    expect([400, 401, 403, 404]).toContain(response.status);
  });
});
