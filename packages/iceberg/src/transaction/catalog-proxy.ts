import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RestCatalog } from '../catalog/rest/rest-catalog';

/**
 * What the proxy does with the next commit request: pass it on; pass it on and answer 502 (it landed,
 * the writer cannot know); answer 502 without passing it on; answer 409 without passing it on.
 */
export type CommitPlan = 'pass' | 'lose-answer' | 'drop' | 'conflict';

/**
 * Test helper: an HTTP proxy in front of the real REST catalog that disturbs commit requests as
 * planned, so that lost answers and conflicts happen for real on the wire.
 */
export class CatalogProxy {
  /** Plans of the next commit requests, in order; a request without one passes. */
  readonly plans: CommitPlan[] = [];
  /** Commit requests that reached the catalog. */
  forwardedCommits = 0;
  /** Runs once before the next commit request is handled, e.g. to let another writer commit first. */
  beforeNextCommit: (() => Promise<void>) | undefined;

  private constructor(
    private readonly server: Server,
    private readonly upstream: string,
  ) {}

  static async start(upstream: string): Promise<CatalogProxy> {
    const server = createServer();
    const proxy = new CatalogProxy(server, upstream);
    server.on('request', (req, res) => {
      proxy.handle(req, res).catch((error: Error) => res.writeHead(500).end(error.message));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** A catalog client that goes through the proxy. */
  catalog(): RestCatalog {
    return new RestCatalog({ uri: `http://127.0.0.1:${(this.server.address() as AddressInfo).port}` });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const isCommit = req.method === 'POST' && /\/tables\/[^/]+$/.test(req.url ?? '');
    if (isCommit && this.beforeNextCommit !== undefined) {
      const before = this.beforeNextCommit;
      this.beforeNextCommit = undefined;
      await before();
    }
    const plan = isCommit ? (this.plans.shift() ?? 'pass') : 'pass';
    if (plan === 'drop') {
      res.writeHead(502).end('bad gateway');
      return;
    }
    if (plan === 'conflict') {
      res.writeHead(409, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: { message: 'planned conflict', type: 'CommitFailedException', code: 409 },
        }),
      );
      return;
    }
    const upstream = await fetch(`${this.upstream}${req.url}`, {
      method: req.method,
      headers: { 'content-type': 'application/json' },
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
    const text = await upstream.text();
    if (isCommit) this.forwardedCommits += 1;
    if (plan === 'lose-answer') res.writeHead(502).end('bad gateway');
    else res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
  }
}
