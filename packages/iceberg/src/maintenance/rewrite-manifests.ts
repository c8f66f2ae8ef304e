import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import { manifestSpec, type ResolvedEntry, readManifestEntries } from '../reader/manifest-entries';
import { type ManifestEntry, ManifestEntryStatus, writeManifest } from '../spec/manifest';
import { compareValues, type ManifestFile, readManifestList } from '../spec/manifest-list';
import { type PartitionSpec, partitionType } from '../spec/partition-spec';
import type { PrimitiveType } from '../spec/types';
import { branchHead, MAIN_BRANCH } from '../transaction/branch';
import { RewriteConflictError } from '../transaction/replace';
import {
  type Attempt,
  type AttemptChanges,
  type SnapshotOptions,
  SnapshotProducer,
} from '../transaction/snapshot-producer';
import {
  ENTRIES_PROCESSED,
  MANIFESTS_CREATED,
  MANIFESTS_KEPT,
  MANIFESTS_REPLACED,
} from '../transaction/snapshot-summary';
import { forEachLimited } from '../util/limited';
import { type ReplanOptions, withReplanning } from './replan';

export const MANIFEST_TARGET_SIZE_PROPERTY = 'commit.manifest.target-size-bytes';
export const DEFAULT_MANIFEST_TARGET_SIZE = 8 * 1024 * 1024;

/**
 * Summary (a function of the parent carries e.g. ingest offsets forward), branch, commit retry, size and
 * re-planning options (the rewrite is planned again from the new head when a concurrent commit wins).
 */
export interface RewriteManifestsOptions extends Omit<SnapshotOptions, 'fromSnapshotId'>, ReplanOptions {
  /** Manifests are written near this size (default: the table's commit.manifest.target-size-bytes, else 8 MiB). */
  targetManifestSizeBytes?: number;
  /** Data manifests smaller than this are small (default 75% of the target size). */
  smallManifestBytes?: number;
  /** A partition spec's small manifests are rewritten when it has more than this many of them (default 10). */
  maxManifestsPerSpec?: number;
}

export interface RewriteManifestsResult {
  /** The replace snapshot; undefined when no spec had too many small manifests, and no snapshot was made. */
  snapshotId: bigint | undefined;
  /** Commit requests sent (for the plan that landed). */
  attempts: number;
  /** Plans made: more than one when a concurrent commit replaced a planned manifest first. */
  plans: number;
  manifestsReplaced: number;
  manifestsCreated: number;
  /** Manifests of the parent carried as they were (concurrent appends' among them). */
  manifestsKept: number;
  /** Live entries written into the new manifests. */
  entriesProcessed: number;
  durationMs: number;
}

const DEFAULT_MAX_MANIFESTS_PER_SPEC = 10;

/**
 * Rewrites the live entries of a branch's small data manifests into as few manifests near the target
 * size as they fill, per partition spec, as one snapshot of operation "replace" that changes no data:
 * every entry becomes EXISTING with the snapshot id and sequence numbers it had. Only manifests with
 * live files are planned: one left with only deleted entries is dropped by the next commit anyway
 * (a streaming table's next append drops it within a second), so its going is no conflict. Built
 * again on a new parent after a conflict, so that concurrent appends are kept; when a planned manifest
 * is no longer in the branch (a compaction or another rewrite replaced it), the rewrite is planned
 * again from the new head, up to `maxPlans` times.
 */
export async function rewriteManifests(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  options: RewriteManifestsOptions = {},
): Promise<RewriteManifestsResult> {
  const started = Date.now();
  const { result, plans } = await withReplanning(options, () => planAndRewrite(catalog, io, id, options));
  return { ...result, plans, durationMs: Date.now() - started };
}

async function planAndRewrite(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  options: RewriteManifestsOptions,
): Promise<Omit<RewriteManifestsResult, 'plans' | 'durationMs'>> {
  const {
    targetManifestSizeBytes,
    smallManifestBytes,
    maxManifestsPerSpec,
    maxPlans: _plans,
    minReplanBackoffMs: _min,
    maxReplanBackoffMs: _max,
    ...snapshotOptions
  } = options;
  const table = await catalog.loadTable(id);
  const target = manifestTargetSize(table.metadata.properties, targetManifestSizeBytes);
  const head = branchHead(table.metadata, options.branch ?? MAIN_BRANCH);
  const manifests = head === undefined ? [] : readManifestList(await io.read(head.manifestList));
  const planned = smallManifestsToRewrite(
    manifests.filter((m) => liveCount(m) > 0),
    smallManifestBytes ?? Math.floor(target * 0.75),
    maxManifestsPerSpec ?? DEFAULT_MAX_MANIFESTS_PER_SPEC,
  );
  if (planned.length === 0) {
    return {
      snapshotId: undefined,
      attempts: 0,
      manifestsReplaced: 0,
      manifestsCreated: 0,
      manifestsKept: manifests.length,
      entriesProcessed: 0,
    };
  }
  const committed = await new ManifestRewrite(catalog, io, table, snapshotOptions, planned, target).commit();
  // The counts of the snapshot that landed, whichever attempt built it.
  const { summary } = committed.table.metadata.snapshots.find(
    (s) => s.snapshotId === committed.snapshotId,
  ) as { summary: Record<string, string> };
  const count = (key: string) => Number(summary[key]);
  return {
    snapshotId: committed.snapshotId,
    attempts: committed.attempts,
    manifestsReplaced: count(MANIFESTS_REPLACED),
    manifestsCreated: count(MANIFESTS_CREATED),
    manifestsKept: count(MANIFESTS_KEPT),
    entriesProcessed: count(ENTRIES_PROCESSED),
  };
}

const liveCount = (m: ManifestFile) => m.addedFilesCount + m.existingFilesCount;

function manifestTargetSize(properties: Record<string, string>, override: number | undefined): number {
  const value = override ?? properties[MANIFEST_TARGET_SIZE_PROPERTY] ?? DEFAULT_MANIFEST_TARGET_SIZE;
  const bytes = Number(value);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new Error(`target manifest size must be a positive whole number of bytes, got ${String(value)}`);
  }
  return bytes;
}

/** The small data manifests of each spec that has more than `maxPerSpec` of them. */
function smallManifestsToRewrite(
  manifests: readonly ManifestFile[],
  smallBytes: number,
  maxPerSpec: number,
): ManifestFile[] {
  const bySpec = new Map<number, ManifestFile[]>();
  for (const m of manifests) {
    if (m.content !== 0 || m.manifestLength >= BigInt(smallBytes)) continue;
    const group = bySpec.get(m.partitionSpecId);
    if (group === undefined) bySpec.set(m.partitionSpecId, [m]);
    else group.push(m);
  }
  return [...bySpec.values()].filter((group) => group.length > maxPerSpec).flat();
}

/** The live entries of one spec's manifests, as the new manifests hold them. */
interface SpecEntries {
  spec: PartitionSpec;
  /** One list per new manifest. */
  manifests: ManifestEntry[][];
}

class ManifestRewrite extends SnapshotProducer {
  protected readonly operation = 'replace';
  private readonly replaced: ReadonlySet<string>;
  /** The planned manifests never change: they are read and sorted once for every attempt. */
  private prepared: Promise<SpecEntries[]> | undefined;

  constructor(
    catalog: Catalog,
    io: FileIO,
    table: LoadedTable,
    options: SnapshotOptions,
    private readonly planned: readonly ManifestFile[],
    private readonly targetBytes: number,
  ) {
    super(catalog, io, table, options);
    this.replaced = new Set(planned.map((m) => m.manifestPath));
  }

  protected checkReady(): void {
    if (this.planned.length === 0) throw new Error(`${this.name}: no manifest to rewrite`);
  }

  protected async apply(attempt: Attempt): Promise<AttemptChanges> {
    const parent = await this.parentManifests(attempt);
    const present = new Set(parent.map((m) => m.manifestPath));
    // A planned manifest with live files that is gone was replaced by another commit (a compaction
    // removed some of its files, or another rewrite packed it): rewriting its entries would bring
    // those files back. One without live files was only dropped, as every commit drops such manifests:
    // it had nothing to rewrite.
    const missing = this.planned
      .filter((m) => liveCount(m) > 0 && !present.has(m.manifestPath))
      .map((m) => m.manifestPath);
    if (missing.length > 0) {
      throw new RewriteConflictError(
        `${this.name}: ${missing.length} of the manifests to rewrite are no longer in the table (a concurrent commit replaced them)`,
        missing,
      );
    }
    this.prepared ??= this.prepare(attempt);
    const created: ManifestFile[] = [];
    let processed = 0;
    for (const { spec, manifests } of await this.prepared) {
      for (const entries of manifests) {
        processed += entries.length;
        created.push(await attempt.writeManifest(spec, entries));
      }
    }
    // As the reference checks: the new manifests hold exactly the live files of those they replace.
    const expected = this.planned.reduce((n, m) => n + liveCount(m), 0);
    if (processed !== expected) {
      throw new Error(
        `${this.name}: the rewritten manifests hold ${processed} live files, those they replace ${expected}`,
      );
    }
    const kept = parent.filter((m) => !this.replaced.has(m.manifestPath));
    return {
      manifests: [...created, ...kept],
      removed: [],
      summary: {
        [MANIFESTS_CREATED]: String(created.length),
        [MANIFESTS_KEPT]: String(kept.length),
        [MANIFESTS_REPLACED]: String(this.planned.length),
        [ENTRIES_PROCESSED]: String(processed),
      },
    };
  }

  /**
   * Per spec, the planned manifests' live entries as EXISTING ones, in partition order (so each new
   * manifest covers a narrow range), cut into the new manifests.
   */
  private async prepare(attempt: Attempt): Promise<SpecEntries[]> {
    const read = new Map<ManifestFile, ResolvedEntry[]>();
    await forEachLimited(this.planned, async (m) => {
      read.set(m, await readManifestEntries(this.io, attempt.metadata, m));
    });
    const bySpec = new Map<number, { spec: PartitionSpec; entries: ManifestEntry[] }>();
    for (const manifest of this.planned) {
      let group = bySpec.get(manifest.partitionSpecId);
      if (group === undefined) {
        group = { spec: manifestSpec(attempt.metadata, manifest), entries: [] };
        bySpec.set(manifest.partitionSpecId, group);
      }
      for (const e of read.get(manifest) ?? []) {
        if (e.status !== ManifestEntryStatus.DELETED)
          group.entries.push({ ...e, status: ManifestEntryStatus.EXISTING });
      }
    }
    return [...bySpec.values()].map(({ spec, entries }) => ({
      spec,
      manifests: this.cut(spec, entries.sort(this.byPartition(spec))),
    }));
  }

  private byPartition(spec: PartitionSpec): (a: ManifestEntry, b: ManifestEntry) => number {
    const types = partitionType(spec, this.schema).fields.map((f) => f.type as PrimitiveType);
    return (a, b) => {
      for (const [i, type] of types.entries()) {
        const x = a.dataFile.partition[i] ?? null;
        const y = b.dataFile.partition[i] ?? null;
        if (x === null || y === null) {
          if (x !== y) return x === null ? -1 : 1;
          continue;
        }
        const order = compareValues(type, x, y);
        if (order !== 0) return order;
      }
      return 0;
    };
  }

  /**
   * The entries cut into as few manifests as fit the target size, of even length: how many comes from
   * the encoded size of all of them, less the header (schema and spec) each manifest repeats.
   */
  private cut(spec: PartitionSpec, entries: ManifestEntry[]): ManifestEntry[][] {
    if (entries.length === 0) return [];
    const header = writeManifest({ schema: this.schema, spec, entries: [] }).byteLength;
    const body = writeManifest({ schema: this.schema, spec, entries }).byteLength - header;
    const fit = Math.ceil(body / Math.max(1, this.targetBytes - header));
    const count = Math.min(entries.length, Math.max(1, fit));
    const size = Math.ceil(entries.length / count);
    return Array.from({ length: Math.ceil(entries.length / size) }, (_, i) =>
      entries.slice(i * size, (i + 1) * size),
    );
  }
}
