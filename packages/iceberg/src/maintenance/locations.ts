/**
 * One spelling per file: s3a:// and s3n:// are s3://, file:/x and file:///x are /x, and repeated
 * slashes inside the path are one (writers differ on all three).
 */
export function normalizeLocation(location: string): string {
  const local = /^file:(?:\/\/)?(\/.*)$/.exec(location);
  if (local) return (local[1] as string).replace(/\/{2,}/g, '/');
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(.*)$/i.exec(location);
  if (!match) return location.replace(/\/{2,}/g, '/');
  const [, scheme, authority, path] = match as unknown as [string, string, string, string];
  const canonical = ['s3a', 's3n'].includes(scheme.toLowerCase()) ? 's3' : scheme.toLowerCase();
  return `${canonical}://${authority}${path.replace(/\/{2,}/g, '/')}`;
}
