import { ancestors, type TableMetadata } from '../spec/table-metadata';

/** The table-wide defaults of snapshot retention; a ref's own settings win over them (spec "Snapshot Retention Policy"). */
export interface RetentionDefaults {
  /** Snapshots older than this (epoch ms) may go, unless kept for another reason. */
  expireOlderThanMs: number;
  /** Newest snapshots of each branch's ancestry kept whatever their age (at least 1: the head). */
  minSnapshotsToKeep: number;
  /** Refs other than main whose snapshot is older than this are removed; undefined: refs never expire. */
  maxRefAgeMs: bigint | undefined;
}

export interface RetentionPlan {
  /** Snapshots to remove, oldest first. */
  expiredSnapshotIds: bigint[];
  /** Refs (never main) whose age passed their max-ref-age-ms. */
  expiredRefs: string[];
}

/**
 * Which snapshots and refs expire at `nowMs`. Kept: the snapshot of every live tag; for every live
 * branch, its newest ancestors while fewer than min-snapshots-to-keep are kept or while they are
 * younger than the branch's max-snapshot-age-ms; and snapshots no ref reaches that are younger than
 * the default age. Everything else expires.
 */
export function planExpiry(
  metadata: TableMetadata,
  defaults: RetentionDefaults,
  nowMs: number,
): RetentionPlan {
  const byId = new Map(metadata.snapshots.map((s) => [s.snapshotId, s]));
  const retained = new Set<bigint>();
  const referenced = new Set<bigint>();
  const expiredRefs: string[] = [];
  for (const [name, ref] of Object.entries(metadata.refs)) {
    const head = byId.get(ref.snapshotId);
    const maxRefAgeMs = ref.maxRefAgeMs ?? defaults.maxRefAgeMs;
    if (
      name !== 'main' &&
      head !== undefined &&
      maxRefAgeMs !== undefined &&
      BigInt(nowMs - head.timestampMs) > maxRefAgeMs
    ) {
      expiredRefs.push(name);
      continue;
    }
    retained.add(ref.snapshotId);
    if (ref.type === 'tag') continue;
    const minToKeep = Math.max(1, ref.minSnapshotsToKeep ?? defaults.minSnapshotsToKeep);
    const cutoff =
      ref.maxSnapshotAgeMs === undefined ? defaults.expireOlderThanMs : nowMs - Number(ref.maxSnapshotAgeMs);
    let kept = 0;
    let keeping = true;
    for (const ancestor of ancestors(ref.snapshotId, byId)) {
      referenced.add(ancestor.snapshotId);
      keeping &&= kept < minToKeep || ancestor.timestampMs >= cutoff;
      if (keeping) {
        retained.add(ancestor.snapshotId);
        kept += 1;
      }
    }
  }
  const expired = metadata.snapshots.filter((s) => {
    if (retained.has(s.snapshotId)) return false;
    // A snapshot no live ref reaches (a dropped branch's, an abandoned commit's) goes by age alone.
    return referenced.has(s.snapshotId) || s.timestampMs < defaults.expireOlderThanMs;
  });
  return {
    expiredSnapshotIds: expired.sort((a, b) => a.timestampMs - b.timestampMs).map((s) => s.snapshotId),
    expiredRefs,
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The table's retention properties (history.expire.*), with the reference's defaults where unset. */
export function tableRetentionProperties(
  tableName: string,
  properties: Record<string, string>,
): { maxSnapshotAgeMs: number; minSnapshotsToKeep: number | undefined; maxRefAgeMs: bigint | undefined } {
  const read = (key: string): bigint | undefined => {
    const value = properties[key];
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) {
      throw new Error(`${tableName}: table property ${key} must be a non-negative integer, got "${value}"`);
    }
    return BigInt(value);
  };
  const maxSnapshotAge = read('history.expire.max-snapshot-age-ms');
  const minSnapshots = read('history.expire.min-snapshots-to-keep');
  return {
    maxSnapshotAgeMs: maxSnapshotAge === undefined ? 5 * DAY_MS : Number(maxSnapshotAge),
    minSnapshotsToKeep: minSnapshots === undefined ? undefined : Number(minSnapshots),
    maxRefAgeMs: read('history.expire.max-ref-age-ms'),
  };
}
