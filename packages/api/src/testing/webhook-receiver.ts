import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * An HTTP server on loopback that records every request. Each path answers with the statuses queued
 * for it (`answer`), then 200.
 */
export async function startWebhookReceiver() {
  const received: ReceivedRequest[] = [];
  const queued = new Map<string, number[]>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body });
      res.writeHead(queued.get(path)?.shift() ?? 200).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received: (path: string) => received.filter((r) => r.path === path),
    answer: (path: string, ...statuses: number[]) => queued.set(path, statuses),
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
