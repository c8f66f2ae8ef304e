import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog';
import { tableName } from '../catalog/catalog';
import type { TableRequirement, TableUpdate } from '../catalog/table-commit';
import { deleteFiles, type FileDeletionFailure } from '../io/delete-files';
import type { FileIO } from '../io/file-io';
import { reachableFiles, statisticsFiles } from '../reader/reachable';
import type { TableMetadata } from '../spec/table-metadata';
import { commitChange } from '../transaction/commit-loop';
import type { RetryOptions } from '../transaction/retry';
import { deleteScope, refuseOutsideRoots, refuseWhenGcDisabled } from './delete-files';
import { normalizeLocation } from './locations';
import { planExpiry, type RetentionPlan, tableRetentionProperties } from './retention';

export interface ExpireSnapshotsOptions extends RetryOptions {
  /**
   * Snapshots older than this (epoch ms) expire unless a ref keeps them. Default: now minus the
   * table's history.expire.max-snapshot-age-ms (5 days when unset).
   */
  olderThanMs?: number;
  /**
   * Newest snapshots of each branch's ancestry (main's included) kept whatever their age, where the
   * branch sets no min-snapshots-to-keep of its own. Default: the table's
   * history.expire.min-snapshots-to-keep, else 10.
   */
  retainLast?: number;
  /** The time ages are measured from (default Date.now()). */
  now?: number;
  /**
   * The storage the caller may touch (e.g. `s3://bucket/prefix/`): the table must lie inside one of
   * these, and no file outside them is deleted.
   */
  allowedRoots?: readonly string[];
}

export interface ExpireSnapshotsResult {
  expiredSnapshotIds: bigint[];
  /** Tags and branches removed for passing their max-ref-age-ms. */
  expiredRefs: string[];
  /** Files deleted because only expired snapshots reached them. */
  deleted: {
    manifestLists: number;
    manifests: number;
    dataFiles: number;
    deleteFiles: number;
    statisticsFiles: number;
  };
  /**
   * Files that should have gone but whose delete failed (orphan removal will find them later), or that
   * lie outside the table's own folders or the allowed storage (never deleted from here).
   */
  deleteFailures: FileDeletionFailure[];
  /** Commit requests sent (0 when nothing expired). */
  attempts: number;
  table: LoadedTable;
}

const DEFAULT_RETAIN_LAST = 10;

/**
 * Expires old snapshots of a table, then deletes the files only they reached. The commit removes
 * the snapshots (and expired refs) while asserting main has not moved; on a conflict the table is
 * reloaded and the plan made again. Files are deleted only after the commit, and only those that no
 * snapshot of the committed table can still reach.
 */
export async function expireSnapshots(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  options: ExpireSnapshotsOptions = {},
): Promise<ExpireSnapshotsResult> {
  const name = tableName(id);
  const now = Math.trunc(options.now ?? Date.now());
  if (options.retainLast !== undefined && !(options.retainLast >= 1))
    throw new RangeError(`${name}: expiry keeps at least 1 snapshot, asked to keep ${options.retainLast}`);
  const table = await catalog.loadTable(id);
  refuseWhenGcDisabled(name, table.metadata, 'expire snapshots');
  refuseOutsideRoots(name, table.metadata, options.allowedRoots, 'expire snapshots');
  const scope = deleteScope(table.metadata, options.allowedRoots);
  let planned: { base: TableMetadata; plan: RetentionPlan } | undefined;
  const committed = await commitChange(
    catalog,
    table,
    {
      what: 'its snapshots were expired',
      apply: async (current) => {
        const base = current.metadata;
        const plan = planExpiry(base, retentionDefaults(name, base, options, now), now);
        planned = { base, plan };
        if (expiresNothing(plan)) return undefined;
        return { requirements: mainUnchanged(base), updates: expiryUpdates(plan) };
      },
      // After an unknown outcome the commit may have landed: then its plan holds and its files can go.
      landed: (current, sawUnknown) =>
        sawUnknown && planned !== undefined && landed(current.metadata, planned.plan),
    },
    options,
  );
  const { base, plan } = planned as { base: TableMetadata; plan: RetentionPlan };
  if (expiresNothing(plan)) {
    return { ...nothingDeleted(plan), attempts: committed.attempts, table: committed.table };
  }
  return {
    ...(await deleteUnreachable(io, name, base, committed.table.metadata, plan, scope)),
    attempts: committed.attempts,
    table: committed.table,
  };
}

function retentionDefaults(
  name: string,
  metadata: TableMetadata,
  options: ExpireSnapshotsOptions,
  now: number,
) {
  const properties = tableRetentionProperties(name, metadata.properties);
  return {
    expireOlderThanMs: options.olderThanMs ?? now - properties.maxSnapshotAgeMs,
    minSnapshotsToKeep: options.retainLast ?? properties.minSnapshotsToKeep ?? DEFAULT_RETAIN_LAST,
    maxRefAgeMs: properties.maxRefAgeMs,
  };
}

function mainUnchanged(metadata: TableMetadata): TableRequirement[] {
  const main = metadata.refs.main?.snapshotId ?? metadata.currentSnapshotId;
  return [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: main ?? null }];
}

function expiryUpdates(plan: RetentionPlan): TableUpdate[] {
  const updates: TableUpdate[] = plan.expiredRefs.map((refName) => ({
    action: 'remove-snapshot-ref',
    refName,
  }));
  if (plan.expiredSnapshotIds.length > 0)
    updates.push({ action: 'remove-snapshots', snapshotIds: plan.expiredSnapshotIds });
  return updates;
}

const expiresNothing = (plan: RetentionPlan) =>
  plan.expiredSnapshotIds.length === 0 && plan.expiredRefs.length === 0;

function landed(metadata: TableMetadata, plan: RetentionPlan): boolean {
  const ids = new Set(metadata.snapshots.map((s) => s.snapshotId));
  return (
    plan.expiredSnapshotIds.every((s) => !ids.has(s)) && plan.expiredRefs.every((r) => !(r in metadata.refs))
  );
}

function nothingDeleted(plan: RetentionPlan) {
  return {
    expiredSnapshotIds: plan.expiredSnapshotIds,
    expiredRefs: plan.expiredRefs,
    deleted: { manifestLists: 0, manifests: 0, dataFiles: 0, deleteFiles: 0, statisticsFiles: 0 },
    deleteFailures: [],
  };
}

/**
 * Deletes what the expired snapshots reached and the committed table does not: reachability of the
 * retained snapshots is computed in full first, and a manifest they share is not even opened.
 */
async function deleteUnreachable(
  io: FileIO,
  name: string,
  before: TableMetadata,
  after: TableMetadata,
  plan: RetentionPlan,
  scope: (location: string) => boolean,
): Promise<Omit<ExpireSnapshotsResult, 'attempts' | 'table'>> {
  const remaining = new Set(after.snapshots.map((s) => s.snapshotId));
  const expired = before.snapshots.filter((s) => !remaining.has(s.snapshotId));
  const retained = await reachableFiles(io, after.snapshots, { entries: 'live' }).catch((error: unknown) => {
    throw new Error(`${name}: snapshots expired, but no file was deleted: ${(error as Error).message}`, {
      cause: error,
    });
  });
  // What an expired snapshot reached but cannot be read any more is simply not deleted here.
  const gone = await reachableFiles(io, expired, {
    entries: 'live',
    skipManifests: retained.manifests,
    tolerateMissing: true,
  });
  // Compared in one spelling (s3a:// is s3://): a file a kept snapshot names otherwise is still kept.
  const kept = new Set(
    [
      ...retained.manifestLists,
      ...retained.manifests,
      ...retained.dataFiles,
      ...retained.deleteFiles,
      ...statisticsFiles(after),
    ].map(normalizeLocation),
  );
  const unreachable = (files: Iterable<string>) => [...files].filter((f) => !kept.has(normalizeLocation(f)));
  const kinds = {
    manifestLists: unreachable(gone.manifestLists),
    manifests: unreachable(gone.manifests),
    dataFiles: unreachable(gone.dataFiles),
    deleteFiles: unreachable(gone.deleteFiles),
    statisticsFiles: unreachable(statisticsFiles(before)),
  };
  const { deleted, failures, refused } = await deleteFiles(io, kinds, scope);
  return {
    expiredSnapshotIds: plan.expiredSnapshotIds,
    expiredRefs: plan.expiredRefs,
    deleted,
    deleteFailures: [
      ...failures,
      ...refused.map((location) => ({
        location,
        error: 'outside the table or the allowed storage: not deleted',
      })),
    ],
  };
}
