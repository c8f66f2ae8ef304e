/** major.minor.patch, an optional pre-release, an optional build (ignored, as semver orders them). */
const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

type Identifier = number | string;

function parse(version: string) {
  const m = SEMVER.exec(version.trim());
  if (!m) return null;
  const pre = m[4]?.split('.').map((p): Identifier => (/^\d+$/.test(p) ? Number(p) : p)) ?? [];
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre };
}

/** Semver precedence of two pre-release identifiers: numbers below words, numbers by value. */
function compareIdentifiers(a: Identifier, b: Identifier) {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether an agent reporting `reported` is older than the `release` this control plane ships with,
 * by semver precedence (1.2.0-rc.1 < 1.2.0 < 1.10.0); null when either is not a version we can
 * order, so a build we cannot read is never called out of date, nor up to date.
 */
export function isOlderThan(reported: string, release: string): boolean | null {
  const [a, b] = [parse(reported), parse(release)];
  if (!a || !b) return null;
  for (let i = 0; i < 3; i++) if (a.core[i] !== b.core[i]) return (a.core[i] ?? 0) < (b.core[i] ?? 0);
  // A pre-release comes before its release; two pre-releases compare identifier by identifier.
  if (a.pre.length === 0 || b.pre.length === 0) return a.pre.length > b.pre.length;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const order = compareIdentifiers(a.pre[i] as Identifier, b.pre[i] as Identifier);
    if (order !== 0) return order < 0;
  }
  return a.pre.length < b.pre.length;
}
