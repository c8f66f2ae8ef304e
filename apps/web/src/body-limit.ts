// Every request body has a ceiling, decided from its headers before any route reads it: a body
// without a declared length is refused (411), one declared larger than its route allows gets 413.
// Node's HTTP parser never hands a route more bytes than Content-Length declares, and Next keeps at
// most MAX_BODY_BYTES of a body for the proxy (it drops the rest as it arrives, and answers once
// the client has sent it: refusing sooner takes a proxy in front, e.g. nginx's client_max_body_size).

import { AGENT_API, AGENT_API_MAX_BODY_BYTES, type AgentApiEndpoint } from '@floe/protocol';

const KiB = 1024;

// The agent API's limits are the protocol's (packages/protocol owns the wire): one declaration.
const agentApiLimits = (Object.keys(AGENT_API) as AgentApiEndpoint[]).map(
  (endpoint) => [AGENT_API[endpoint], AGENT_API_MAX_BODY_BYTES[endpoint]] as [string, number],
);

const limits: [prefix: string, bytes: number][] = [
  ...agentApiLimits,
  ['/api/trpc/', 512 * KiB],
  ['/api/auth/', 16 * KiB],
];

/** The largest body any route accepts (an agent's event batch); Next buffers no more than this for the proxy either. */
export const MAX_BODY_BYTES = Math.max(...limits.map(([, bytes]) => bytes));

const DEFAULT_LIMIT = 64 * KiB;

export function bodyLimitFor(pathname: string): number {
  return limits.find(([prefix]) => pathname.startsWith(prefix))?.[1] ?? DEFAULT_LIMIT;
}

export type BodyVerdict = { ok: true } | { ok: false; status: 411 | 413; error: string };

export function checkBodySize(pathname: string, headers: Headers): BodyVerdict {
  const declared = headers.get('content-length');
  if (declared === null) {
    if (headers.get('transfer-encoding') === null) return { ok: true };
    return { ok: false, status: 411, error: 'send the body with a Content-Length' };
  }
  const length = Number(declared);
  const limit = bodyLimitFor(pathname);
  if (!Number.isSafeInteger(length) || length < 0) {
    return { ok: false, status: 411, error: 'the Content-Length is not a number of bytes' };
  }
  if (length > limit) {
    return {
      ok: false,
      status: 413,
      error: `the body is ${length} bytes; ${pathname} accepts at most ${limit}`,
    };
  }
  return { ok: true };
}
