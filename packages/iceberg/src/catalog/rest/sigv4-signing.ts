import { type SigV4Credentials, sigv4Headers } from '../../util/sigv4';
import type { SignableRequest } from './http';

/** SigV4 for a REST catalog behind AWS: its signing name and region, and whose credentials sign. */
export interface SigV4Signing {
  region: string;
  /** `glue` for the Glue Iceberg REST endpoint, `s3tables` for S3 Tables. */
  service: string;
  /** Fixed credentials, or a provider asked per request (an assumed role's refreshes itself). */
  credentials: SigV4Credentials | (() => Promise<SigV4Credentials>);
  /** The clock (tests fix it). */
  now?: () => Date;
}

/** Signs each request with the credentials current when it leaves. */
export function sigv4Signer(
  signing: SigV4Signing,
): (request: SignableRequest) => Promise<Record<string, string>> {
  const { region, service } = signing;
  return async (request) => {
    const credentials =
      typeof signing.credentials === 'function' ? await signing.credentials() : signing.credentials;
    const signed = sigv4Headers(request, credentials, { region, service }, signing.now?.() ?? new Date());
    // fetch sets Host from the URL itself (the same value, which was signed).
    const { host: _host, ...headers } = signed;
    return headers;
  };
}
