import type { IncomingMessage, ServerResponse } from 'node:http';

// For the test proxies that stand in front of the stack's REST catalog as a vendor's gateway would.

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Passes the request on to `upstream` (same method, path and body) and its answer back. */
export async function forwardTo(
  upstream: string,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
): Promise<void> {
  const answer = await fetch(`${upstream.replace(/\/+$/, '')}${req.url}`, {
    method: req.method,
    headers: { 'content-type': 'application/json' },
    body: body.length > 0 ? body : undefined,
  });
  res
    .writeHead(answer.status, { 'content-type': 'application/json' })
    .end(Buffer.from(await answer.arrayBuffer()));
}

export function answerJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
