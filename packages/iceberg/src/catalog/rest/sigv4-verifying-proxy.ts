import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SigV4Credentials, type SigV4Scope, sha256Hex, sigv4Sign } from '../../util/sigv4';
import { answerJson, forwardTo, readBody } from './proxy-forward';

/** How far a request's X-Amz-Date may be from the proxy's clock, as AWS allows. */
const SKEW_MS = 5 * 60_000;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Test helper: stands in front of a REST catalog as AWS stands in front of the Glue Iceberg endpoint
 * or S3 Tables. It checks each request's SigV4 signature (key, scope, time, signed headers, body),
 * refuses a bad one with 403 and AWS's words, and passes a good one on.
 */
export class SigV4VerifyingProxy {
  /** Requests whose signature held, and the reasons of those refused. */
  verified = 0;
  readonly refused: string[] = [];

  private constructor(
    private readonly server: Server,
    private readonly upstream: string,
    private readonly keys: readonly SigV4Credentials[],
    private readonly scope: SigV4Scope,
  ) {}

  /** A proxy for `upstream` that accepts signatures of `keys` for `scope`. */
  static async start(
    upstream: string,
    keys: readonly SigV4Credentials[],
    scope: SigV4Scope,
  ): Promise<SigV4VerifyingProxy> {
    const server = createServer();
    const proxy = new SigV4VerifyingProxy(server, upstream, keys, scope);
    server.on('request', (req, res) => {
      proxy.handle(req, res).catch((error: Error) => res.writeHead(502).end(error.message));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get uri(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const refusal = this.check(req, body);
    if (refusal !== undefined) {
      this.refused.push(refusal);
      answerJson(res, 403, { message: refusal });
      return;
    }
    this.verified += 1;
    await forwardTo(this.upstream, req, body, res);
  }

  /** Why AWS would refuse the request, or undefined when its signature holds. */
  private check(req: IncomingMessage, body: Buffer): string | undefined {
    const authorization = req.headers.authorization;
    if (authorization === undefined) return 'Missing Authentication Token';
    const match = AUTHORIZATION.exec(authorization);
    if (match === null) return `Authorization header is not a SigV4 signature: ${authorization.slice(0, 40)}`;
    const [, accessKeyId, day, region, service, signedHeaders, signature] = match as unknown as string[];
    const key = this.keys.find((k) => k.accessKeyId === accessKeyId);
    if (key === undefined) return 'The security token included in the request is invalid.';
    if (region !== this.scope.region)
      return `Credential should be scoped to a valid region. (it names ${region}, not ${this.scope.region})`;
    if (service !== this.scope.service)
      return `Credential should be scoped to correct service: '${this.scope.service}'.`;
    const names = (signedHeaders as string).split(';');
    if (!names.includes('host') || !names.includes('x-amz-date'))
      return 'SignedHeaders must include host and x-amz-date.';
    const date = req.headers['x-amz-date'];
    if (typeof date !== 'string' || !date.startsWith(day as string))
      return 'X-Amz-Date is missing or not the credential day.';
    const at = Date.parse(date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (!(Math.abs(Date.now() - at) <= SKEW_MS))
      return 'Signature expired: the request time is too far from now.';
    if (key.sessionToken !== undefined && req.headers['x-amz-security-token'] !== key.sessionToken)
      return 'The security token included in the request is invalid.';
    // The signed headers as received; a repeated header's values in order.
    const headers: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = (req.rawHeaders[i] as string).toLowerCase();
      if (names.includes(name)) headers.push([name, req.rawHeaders[i + 1] as string]);
    }
    const expected = sigv4Sign(
      {
        method: req.method ?? 'GET',
        url: `http://${req.headers.host}${req.url}`,
        headers,
        payloadHash: sha256Hex(body),
      },
      key,
      { region: region as string, service: service as string },
      date,
    );
    if (expected.signature !== signature)
      return 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.';
    return undefined;
  }
}
