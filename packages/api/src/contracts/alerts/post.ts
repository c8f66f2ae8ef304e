import { lookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { apiEnv } from '../../config';

// Webhook URLs come from customers, and the control plane posts to them: it must not become a way
// into its own network (metadata endpoints, databases on loopback). The address is checked when the
// socket connects (after DNS), so a name that resolves differently on a second lookup gains nothing.
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');

function isPublic(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isPublic(mapped);
  return !NOT_PUBLIC.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

const notPublic = (address: string) =>
  new Error(
    `refused: ${address} is not a public address (FLOE_ALERTS_ALLOW_PRIVATE_NETWORKS=true allows it)`,
  );

const publicOnlyLookup: LookupFunction = (hostname, options, callback) =>
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 4);
    const blocked = addresses.find((a) => !isPublic(a.address));
    if (blocked) return callback(notPublic(blocked.address), '', 4);
    if (options.all) return (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
    const [first] = addresses;
    callback(null, first?.address ?? '', first?.family ?? 4);
  });

/**
 * POSTs `body` and resolves with the HTTP status within `deadlineMs` (redirects are not followed). Only public addresses
 * unless `FLOE_ALERTS_ALLOW_PRIVATE_NETWORKS=true` (a self-hosted control plane alerting inside its network).
 */
export function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  { deadlineMs = 10_000 }: { deadlineMs?: number } = {},
): Promise<number> {
  const target = new URL(url);
  const privateAllowed = apiEnv().FLOE_ALERTS_ALLOW_PRIVATE_NETWORKS === 'true';
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  if (!privateAllowed && isIP(literal) && !isPublic(literal)) return Promise.reject(notPublic(literal));
  return new Promise((resolve, reject) => {
    const request = (target.protocol === 'https:' ? https : http).request(target, {
      method: 'POST',
      headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
      ...(privateAllowed ? {} : { lookup: publicOnlyLookup }),
    });
    // One deadline for everything (lookup, connect, send, the status line): a receiver that drips a
    // byte every few seconds never trips an idle timeout, but it does trip this.
    const deadline = setTimeout(
      () => request.destroy(new Error(`no answer within ${deadlineMs / 1000} s`)),
      deadlineMs,
    );
    request.on('response', (response) => {
      clearTimeout(deadline);
      // The status is the answer; the body is never read.
      response.destroy();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    request.end(body);
  });
}
