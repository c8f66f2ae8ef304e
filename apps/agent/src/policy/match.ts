// How a policy entry matches what a job names. Each matcher is strict where a loose reading would let a
// job reach further than the customer wrote: hosts compare whole, URLs by origin and then path segments,
// key prefixes and folders by whole segments (`floe` never matches `floe-other`).

/** `host:port` against `host:port` or `*.domain:port` (any host under domain, not domain itself). */
export function hostMatches(hostPort: string, pattern: string): boolean {
  const [host, port] = splitHostPort(hostPort.toLowerCase());
  const [patternHost, patternPort] = splitHostPort(pattern.toLowerCase());
  if (port !== patternPort || host === '') return false;
  if (patternHost.startsWith('*.'))
    return host.endsWith(patternHost.slice(1)) && host.length > patternHost.length - 1;
  return host === patternHost;
}

function splitHostPort(value: string): [string, string] {
  const at = value.lastIndexOf(':');
  return at < 0 ? [value, ''] : [value.slice(0, at), value.slice(at + 1)];
}

/**
 * A URL against a URL prefix: same scheme, host and port (default ports made explicit), no user or
 * password in the URL, and the prefix's path equal to the URL's or a whole-segment ancestor of it.
 */
export function urlMatches(value: string, prefix: string): boolean {
  let url: URL;
  let allowed: URL;
  try {
    url = new URL(value);
    allowed = new URL(prefix);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol !== allowed.protocol || url.hostname !== allowed.hostname) return false;
  if (effectivePort(url) !== effectivePort(allowed)) return false;
  const path = segments(url.pathname);
  const allowedPath = segments(allowed.pathname);
  if (path.some((s) => s === '..' || s === '.' || s.toLowerCase().includes('%2e'))) return false;
  return allowedPath.every((segment, i) => path[i] === segment);
}

function effectivePort(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
}

const segments = (path: string) => path.split('/').filter((s) => s !== '');

/** A value against a pattern where `*` stands for any run of characters and everything else is literal. */
export function globMatches(value: string, pattern: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(value);
}

/** An S3 key prefix inside an allowed one, by whole segments ("" allows the whole bucket). */
export function keyPrefixWithin(prefix: string, allowed: string): boolean {
  const inner = segments(prefix);
  const outer = segments(allowed);
  if (inner.some((s) => s === '..' || s === '.')) return false;
  return outer.length <= inner.length && outer.every((segment, i) => inner[i] === segment);
}

/** An absolute, already normalized path inside a folder (the folder itself is not a file inside it). */
export function pathWithin(path: string, folder: string): boolean {
  const base = folder.replace(/\/+$/, '');
  return path.startsWith(`${base}/`) && path.length > base.length + 1;
}
