import type { TableRequirement, TableUpdate } from '../catalog/table-commit';
import { ancestors, currentSnapshot, type Snapshot, type TableMetadata } from '../spec/table-metadata';
import { COMMIT_ID_KEY } from './snapshot-summary';

export const MAIN_BRANCH = 'main';

function snapshotById(metadata: TableMetadata, id: bigint, what: string): Snapshot {
  const snapshot = metadata.snapshots.find((s) => s.snapshotId === id);
  if (snapshot === undefined) throw new Error(`${what} is snapshot ${id}, which the table does not have`);
  return snapshot;
}

/** The branch's newest snapshot; undefined when the branch does not exist yet (or main has no snapshot). */
export function branchHead(metadata: TableMetadata, branch: string): Snapshot | undefined {
  // A table written before refs existed names main's head only in current-snapshot-id.
  if (branch === MAIN_BRANCH) return currentSnapshot(metadata);
  const ref = metadata.refs[branch];
  if (ref === undefined) return undefined;
  if (ref.type !== 'branch') throw new Error(`"${branch}" is a tag; snapshots are committed to branches`);
  return snapshotById(metadata, ref.snapshotId, `the head of branch "${branch}"`);
}

/**
 * The snapshot a commit to `branch` builds on: the branch's head; for a branch that does not exist
 * yet, the snapshot `fromSnapshotId` (none when unset: the branch starts with an empty history).
 */
export function branchParent(
  metadata: TableMetadata,
  branch: string,
  fromSnapshotId: bigint | undefined,
): Snapshot | undefined {
  const head = branchHead(metadata, branch);
  if (head !== undefined || fromSnapshotId === undefined) return head;
  return snapshotById(metadata, fromSnapshotId, `the start of new branch "${branch}"`);
}

/**
 * The commit of a snapshot built on `metadata` to `branch`: it asserts the branch has not moved since
 * (or still does not exist), adds the snapshot and moves the branch to it. The branch keeps its
 * retention settings, which a set-snapshot-ref without them would drop.
 */
export function branchCommit(
  metadata: TableMetadata,
  branch: string,
  snapshot: Snapshot,
): { requirements: TableRequirement[]; updates: TableUpdate[] } {
  const head = branchHead(metadata, branch);
  return {
    requirements: [{ type: 'assert-ref-snapshot-id', ref: branch, snapshotId: head?.snapshotId ?? null }],
    updates: [
      { action: 'add-snapshot', snapshot },
      {
        action: 'set-snapshot-ref',
        refName: branch,
        ref: { ...metadata.refs[branch], snapshotId: snapshot.snapshotId, type: 'branch' },
      },
    ],
  };
}

/** The snapshot of `branch`'s history (its head and ancestors) that a commit with this id made. */
export function landedOn(metadata: TableMetadata, branch: string, commitId: string): Snapshot | undefined {
  const head = branchHead(metadata, branch);
  if (head === undefined) return undefined;
  const byId = new Map(metadata.snapshots.map((s) => [s.snapshotId, s]));
  for (const snapshot of ancestors(head.snapshotId, byId)) {
    if (snapshot.summary[COMMIT_ID_KEY] === commitId) return snapshot;
  }
  return undefined;
}
