import { describe, expect, it } from 'vitest';
import type { Snapshot, SnapshotRef, TableMetadata } from '../spec/table-metadata';
import { planExpiry, type RetentionDefaults, tableRetentionProperties } from './retention';

const HOUR = 60 * 60 * 1000;
const NOW = 1_700_000_000_000;

// A chain of snapshots 1..n on main, snapshot i taken (n - i + 1) hours before NOW.
function chain(n: number, refs: Record<string, SnapshotRef> = {}): TableMetadata {
  const snapshots: Snapshot[] = Array.from({ length: n }, (_, i) => {
    const s: Snapshot = {
      snapshotId: BigInt(i + 1),
      sequenceNumber: BigInt(i + 1),
      timestampMs: NOW - (n - i) * HOUR,
      manifestList: `s3://b/t/metadata/snap-${i + 1}.avro`,
      summary: { operation: 'append' },
    };
    if (i > 0) s.parentSnapshotId = BigInt(i);
    return s;
  });
  return {
    snapshots,
    refs: { main: { snapshotId: BigInt(n), type: 'branch' }, ...refs },
  } as unknown as TableMetadata;
}

const defaults = (over: Partial<RetentionDefaults> = {}): RetentionDefaults => ({
  expireOlderThanMs: NOW - 3.5 * HOUR,
  minSnapshotsToKeep: 1,
  maxRefAgeMs: undefined,
  ...over,
});

describe('planExpiry', () => {
  it('expires main ancestors older than the cutoff, oldest first', () => {
    // Snapshots 1..6 are 6..1 hours old: 1, 2 and 3 are older than 3.5 hours.
    expect(planExpiry(chain(6), defaults(), NOW)).toEqual({
      expiredSnapshotIds: [1n, 2n, 3n],
      expiredRefs: [],
    });
  });

  it('keeps the newest N ancestors whatever their age, and always the head', () => {
    expect(planExpiry(chain(6), defaults({ minSnapshotsToKeep: 5 }), NOW).expiredSnapshotIds).toEqual([1n]);
    const everything = defaults({ expireOlderThanMs: NOW + HOUR, minSnapshotsToKeep: 0 });
    expect(planExpiry(chain(3), everything, NOW).expiredSnapshotIds).toEqual([1n, 2n]);
  });

  it("lets a branch's own min-snapshots-to-keep and max-snapshot-age-ms win over the defaults", () => {
    const minOnMain = chain(6);
    (minOnMain.refs.main as SnapshotRef).minSnapshotsToKeep = 6;
    expect(planExpiry(minOnMain, defaults(), NOW).expiredSnapshotIds).toEqual([]);
    const ageOnMain = chain(6);
    (ageOnMain.refs.main as SnapshotRef).maxSnapshotAgeMs = BigInt(1.5 * HOUR);
    expect(planExpiry(ageOnMain, defaults(), NOW).expiredSnapshotIds).toEqual([1n, 2n, 3n, 4n, 5n]);
  });

  it('keeps the snapshot of a tag, and the ancestry of another branch by its own settings', () => {
    const metadata = chain(6, {
      audit: { snapshotId: 1n, type: 'tag' },
      dev: { snapshotId: 3n, type: 'branch', minSnapshotsToKeep: 2 },
    });
    // main keeps 4..6 by age; the tag keeps 1; dev keeps 3 and its parent 2.
    expect(planExpiry(metadata, defaults(), NOW).expiredSnapshotIds).toEqual([]);
    delete metadata.refs.dev;
    expect(planExpiry(metadata, defaults(), NOW).expiredSnapshotIds).toEqual([2n, 3n]);
  });

  it('removes refs older than their max-ref-age-ms (never main) and then expires what they kept', () => {
    const metadata = chain(6, { audit: { snapshotId: 2n, type: 'tag', maxRefAgeMs: BigInt(4 * HOUR) } });
    (metadata.refs.main as SnapshotRef).maxRefAgeMs = 1n;
    expect(planExpiry(metadata, defaults(), NOW)).toEqual({
      expiredSnapshotIds: [1n, 2n, 3n],
      expiredRefs: ['audit'],
    });
    // The table-wide default applies to a ref without its own.
    const young = chain(6, { audit: { snapshotId: 2n, type: 'tag' } });
    expect(planExpiry(young, defaults({ maxRefAgeMs: BigInt(10 * HOUR) }), NOW).expiredRefs).toEqual([]);
    expect(planExpiry(young, defaults({ maxRefAgeMs: BigInt(HOUR) }), NOW).expiredRefs).toEqual(['audit']);
  });

  it('expires a snapshot no ref reaches only once it is older than the cutoff', () => {
    const metadata = chain(4);
    // Two abandoned snapshots off the side of the chain, one old and one recent.
    metadata.snapshots.push(
      { ...(metadata.snapshots[0] as Snapshot), snapshotId: 90n, timestampMs: NOW - 10 * HOUR },
      { ...(metadata.snapshots[0] as Snapshot), snapshotId: 91n, timestampMs: NOW - HOUR },
    );
    expect(planExpiry(metadata, defaults(), NOW).expiredSnapshotIds).toEqual([90n, 1n]);
  });
});

describe('tableRetentionProperties', () => {
  it('reads the history.expire properties and names a bad one', () => {
    expect(tableRetentionProperties('db.t', {})).toEqual({
      maxSnapshotAgeMs: 5 * 24 * HOUR,
      minSnapshotsToKeep: undefined,
      maxRefAgeMs: undefined,
    });
    expect(
      tableRetentionProperties('db.t', {
        'history.expire.max-snapshot-age-ms': '60000',
        'history.expire.min-snapshots-to-keep': '3',
        'history.expire.max-ref-age-ms': '9223372036854775807',
      }),
    ).toEqual({ maxSnapshotAgeMs: 60000, minSnapshotsToKeep: 3, maxRefAgeMs: 9223372036854775807n });
    expect(() => tableRetentionProperties('db.t', { 'history.expire.min-snapshots-to-keep': '2.5' })).toThrow(
      'db.t: table property history.expire.min-snapshots-to-keep must be a non-negative integer, got "2.5"',
    );
  });
});
