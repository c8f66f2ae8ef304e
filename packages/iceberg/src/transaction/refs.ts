import { type Catalog, type LoadedTable, type TableIdentifier, tableName } from '../catalog/catalog';
import type { TableUpdate } from '../catalog/table-commit';
import { ancestors, type SnapshotRef, type TableMetadata } from '../spec/table-metadata';
import { branchHead, MAIN_BRANCH } from './branch';
import { commitChange } from './commit-loop';
import type { RetryOptions } from './retry';

export interface RefOptions extends RetryOptions {
  /** Move a ref of that name and type that already exists (default: it must not exist yet). */
  replace?: boolean;
}

export interface TagOptions extends RefOptions {
  /** Snapshot expiry removes the tag once its snapshot is older than this. */
  maxRefAgeMs?: bigint;
}

export interface BranchOptions extends TagOptions {
  /** Snapshot expiry keeps at least this many of the branch's newest snapshots. */
  minSnapshotsToKeep?: number;
  /** Snapshot expiry keeps the branch's snapshots younger than this. */
  maxSnapshotAgeMs?: bigint;
}

/** Points tag `name` at a snapshot (set-snapshot-ref of type tag). */
export async function setTag(
  catalog: Catalog,
  id: TableIdentifier,
  name: string,
  snapshotId: bigint,
  options: TagOptions = {},
): Promise<LoadedTable> {
  return setRef(catalog, id, name, retention({ snapshotId, type: 'tag' }, options), options);
}

/** Points branch `name` at a snapshot (set-snapshot-ref of type branch), e.g. to start an audit branch. */
export async function setBranch(
  catalog: Catalog,
  id: TableIdentifier,
  name: string,
  snapshotId: bigint,
  options: BranchOptions = {},
): Promise<LoadedTable> {
  return setRef(catalog, id, name, retention({ snapshotId, type: 'branch' }, options), options);
}

/** Removes a tag or a branch other than main (remove-snapshot-ref); its snapshots stay until expired. */
export async function removeRef(
  catalog: Catalog,
  id: TableIdentifier,
  name: string,
  options: RetryOptions = {},
): Promise<LoadedTable> {
  if (name === MAIN_BRANCH) throw new Error(`${tableName(id)}: the main branch cannot be removed`);
  return commitRef(catalog, id, name, options, (metadata, retried) => {
    if (metadata.refs[name] !== undefined) return { action: 'remove-snapshot-ref', refName: name };
    // After a retry the ref may be gone because the earlier attempt removed it.
    if (retried) return undefined;
    throw new Error(`${tableName(id)} has no ref "${name}"`);
  });
}

/**
 * Moves branch `branch` (main by default) back to `snapshotId`, one of its own ancestors, as Iceberg's
 * rollbackTo does: no snapshot is made, the branch keeps its retention settings, and what the
 * snapshot's summary carries (a pipeline's offsets) is the branch's again. The snapshots it leaves
 * stay in the table until expired.
 */
export async function rollbackBranch(
  catalog: Catalog,
  id: TableIdentifier,
  snapshotId: bigint,
  options: RetryOptions & { branch?: string } = {},
): Promise<LoadedTable> {
  const branch = options.branch ?? MAIN_BRANCH;
  const table = tableName(id);
  return commitRef(catalog, id, branch, options, (metadata) => {
    const head = branchHead(metadata, branch);
    if (head === undefined) throw new Error(`${table} has no branch "${branch}" to roll back`);
    // Already there (an earlier attempt whose answer was lost): nothing to commit.
    if (head.snapshotId === snapshotId) return undefined;
    const byId = new Map(metadata.snapshots.map((s) => [s.snapshotId, s]));
    if (![...ancestors(head.snapshotId, byId)].some((s) => s.snapshotId === snapshotId))
      throw new Error(`${table}: snapshot ${snapshotId} is not in the history of branch "${branch}"`);
    const ref = metadata.refs[branch] ?? { snapshotId, type: 'branch' };
    return { action: 'set-snapshot-ref', refName: branch, ref: { ...ref, snapshotId } };
  });
}

/** The ref with the retention settings the spec allows it: all three for a branch, max-ref-age-ms for a tag. */
function retention(ref: SnapshotRef, options: BranchOptions): SnapshotRef {
  const positive = (key: keyof BranchOptions, value: bigint | number | undefined) => {
    if (value !== undefined && !(value > 0 && (typeof value === 'bigint' || Number.isSafeInteger(value))))
      throw new Error(`${key} must be a positive whole number, got ${value}`);
    return value !== undefined;
  };
  if (positive('maxRefAgeMs', options.maxRefAgeMs)) ref.maxRefAgeMs = options.maxRefAgeMs;
  if (ref.type === 'tag') return ref;
  if (positive('maxSnapshotAgeMs', options.maxSnapshotAgeMs)) ref.maxSnapshotAgeMs = options.maxSnapshotAgeMs;
  if (positive('minSnapshotsToKeep', options.minSnapshotsToKeep))
    ref.minSnapshotsToKeep = options.minSnapshotsToKeep;
  return ref;
}

const sameRef = (a: SnapshotRef, b: SnapshotRef) =>
  a.snapshotId === b.snapshotId &&
  a.type === b.type &&
  a.maxRefAgeMs === b.maxRefAgeMs &&
  a.maxSnapshotAgeMs === b.maxSnapshotAgeMs &&
  a.minSnapshotsToKeep === b.minSnapshotsToKeep;

function setRef(
  catalog: Catalog,
  id: TableIdentifier,
  name: string,
  ref: SnapshotRef,
  options: RefOptions,
): Promise<LoadedTable> {
  const table = tableName(id);
  if (name === '') throw new Error(`${table}: a ref needs a name`);
  return commitRef(catalog, id, name, options, (metadata) => {
    const existing = metadata.refs[name];
    // Already so (an earlier attempt whose answer was lost, or someone else): nothing to commit.
    if (existing !== undefined && sameRef(existing, ref)) return undefined;
    if (existing !== undefined && !options.replace) throw new Error(`${table}: ref "${name}" already exists`);
    if (existing !== undefined && existing.type !== ref.type)
      throw new Error(`${table}: "${name}" is a ${existing.type}, not a ${ref.type}`);
    if (!metadata.snapshots.some((s) => s.snapshotId === ref.snapshotId))
      throw new Error(`${table} has no snapshot ${ref.snapshotId}`);
    return { action: 'set-snapshot-ref', refName: name, ref };
  });
}

/**
 * Commits the change `plan` makes of the table as loaded (undefined: the table already shows it),
 * asserting the table and the ref are as they were when planned. A conflict or an unknown outcome is
 * followed by a reload and a new plan.
 */
async function commitRef(
  catalog: Catalog,
  id: TableIdentifier,
  name: string,
  options: RetryOptions,
  plan: (metadata: TableMetadata, retried: boolean) => TableUpdate | undefined,
): Promise<LoadedTable> {
  const committed = await commitChange(
    catalog,
    await catalog.loadTable(id),
    {
      what: `its ref "${name}" was changed`,
      apply: async (table, attempt) => {
        const update = plan(table.metadata, attempt > 1);
        if (update === undefined) return undefined;
        // A table written before refs existed names main's head only in current-snapshot-id.
        const current =
          (name === MAIN_BRANCH
            ? branchHead(table.metadata, MAIN_BRANCH)?.snapshotId
            : table.metadata.refs[name]?.snapshotId) ?? null;
        return {
          requirements: [{ type: 'assert-ref-snapshot-id', ref: name, snapshotId: current }],
          updates: [update],
        };
      },
    },
    options,
  );
  return committed.table;
}
