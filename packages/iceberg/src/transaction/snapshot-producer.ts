import { randomBytes, randomUUID } from 'node:crypto';
import { type Catalog, type LoadedTable, type TableIdentifier, tableName } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import { type DataFile, type FormatVersion, type ManifestEntry, ManifestEntryStatus } from '../spec/manifest';
import { type ManifestFile, readManifestList, writeManifestList } from '../spec/manifest-list';
import type { PartitionSpec } from '../spec/partition-spec';
import type { Schema } from '../spec/schema';
import { currentSchema, defaultSpec, type Snapshot, type TableMetadata } from '../spec/table-metadata';
import type { WrittenDeletes } from '../writer/table-writer';
import { branchCommit, branchParent, landedOn, MAIN_BRANCH } from './branch';
import { commitChange } from './commit-loop';
import { minSequenceNumber, type UnsequencedManifest, writeManifestFile } from './manifest-file';
import type { RetryOptions } from './retry';
import { checkCustomSummary, snapshotSummary } from './snapshot-summary';

export type SummaryProperties =
  | Record<string, string>
  | ((parent: Snapshot | undefined, metadata: TableMetadata) => Record<string, string>);

export interface SnapshotOptions extends RetryOptions {
  /**
   * Extra snapshot summary properties, e.g. the Kafka offsets a commit covers. A function is called
   * on every attempt with the snapshot the commit is about to be built on (and that snapshot's table
   * metadata), so properties can be merged with or carried from the parent's; throwing from it
   * abandons the commit.
   */
  summary?: SummaryProperties;
  /** The branch the snapshot is committed to (default main); a commit to another leaves main as it is. */
  branch?: string;
  /**
   * Where a branch that does not exist yet starts: the new snapshot's parent. Unset, the branch starts
   * with no history. Ignored once the branch exists (e.g. another writer created it first).
   */
  fromSnapshotId?: bigint;
}

export interface SnapshotResult {
  snapshotId: bigint;
  sequenceNumber: bigint;
  commitId: string;
  /** Commit requests sent (1 when nothing interfered). */
  attempts: number;
  /** The data files the snapshot added. */
  dataFiles: DataFile[];
  /** The delete files the snapshot added (only a row delta adds any). */
  deleteFiles: DataFile[];
  /** The data files the snapshot removed (none for an append). */
  removedFiles: DataFile[];
  /** The delete files the snapshot removed (a compaction's, once they no longer apply to live rows). */
  removedDeleteFiles: DataFile[];
  table: LoadedTable;
}

/** One attempt: the parent it builds on, and a way to write manifests that belong to it alone. */
export interface Attempt {
  readonly number: number;
  readonly parent: Snapshot | undefined;
  readonly metadata: TableMetadata;
  readonly sequenceNumber: bigint;
  /**
   * Writes a manifest (of data files unless told) added by this snapshot (entries not added by it
   * carry their snapshot id and sequence numbers); it is removed again if this attempt is refused.
   */
  writeManifest(
    spec: PartitionSpec,
    entries: readonly ManifestEntry[],
    content?: 0 | 1,
  ): Promise<ManifestFile>;
}

/** What an attempt makes of the parent: the manifests it keeps (carried or rewritten) and the files it removes. */
export interface AttemptChanges {
  manifests: ManifestFile[];
  /** Data and delete files. */
  removed: DataFile[];
  /** Delete files the attempt added itself (in manifests among `manifests`): a replace's followed deletes. */
  addedDeletes?: DataFile[];
  /** Summary properties the operation sets itself (e.g. a manifest rewrite's counts). */
  summary?: Record<string, string>;
}

/** A positive random 63-bit id, as the reference makes snapshot ids. */
function newSnapshotId(): bigint {
  const id = randomBytes(8).readBigUInt64BE() & ((1n << 63n) - 1n);
  return id === 0n ? 1n : id;
}

/**
 * A new snapshot of a branch (main unless told), built from files written beforehand (`TableWriter`,
 * or an ingest engine) and the parent's manifests. The commit asserts the branch head it was built on; when another writer got there first it
 * is rebuilt on the new head and sent again. Every attempt uses the same snapshot id and
 * `floe.commit-id`, and an attempt with an unknown outcome is looked up in the branch's history of the
 * reloaded table before another is sent, so the snapshot lands at most once. Subclasses say what an
 * attempt does to the parent's manifests.
 */
export abstract class SnapshotProducer {
  readonly commitId = randomUUID();
  readonly snapshotId = newSnapshotId();
  protected readonly schema: Schema;
  protected readonly spec: PartitionSpec;
  protected readonly branch: string;
  protected abstract readonly operation: 'append' | 'replace' | 'overwrite' | 'delete';
  /** New data files, by partition spec id (a manifest holds files of one spec). */
  private readonly added = new Map<number, { spec: PartitionSpec; files: DataFile[] }>();
  /** New delete files, likewise (they go in delete manifests of their own). */
  private readonly addedDeletes = new Map<number, { spec: PartitionSpec; files: DataFile[] }>();
  /** The manifests this snapshot wrote before its first attempt: removed again if it definitely fails. */
  private readonly written: string[] = [];
  /** Writers of files that belong to this snapshot alone: aborted if it definitely fails. */
  private readonly owned: { abort(): Promise<void> }[] = [];
  private committing = false;
  private removed: DataFile[] = [];
  private attemptDeletes: DataFile[] = [];

  protected constructor(
    protected readonly catalog: Catalog,
    protected readonly io: FileIO,
    protected base: LoadedTable,
    private readonly options: SnapshotOptions,
  ) {
    if (base.metadata.formatVersion !== 2 && base.metadata.formatVersion !== 3) {
      throw new Error(
        `${this.name}: Floe writes snapshots of format v2 and v3 tables, this one is v${base.metadata.formatVersion}`,
      );
    }
    if (typeof options.summary !== 'function') checkCustomSummary(options.summary ?? {});
    this.branch = options.branch ?? MAIN_BRANCH;
    // Fails early for a tag of that name, or a start the table does not have.
    branchParent(base.metadata, this.branch, options.fromSnapshotId);
    this.schema = currentSchema(base.metadata);
    this.spec = defaultSpec(base.metadata);
  }

  protected static async load(catalog: Catalog, table: TableIdentifier | LoadedTable): Promise<LoadedTable> {
    return 'metadata' in table ? table : catalog.loadTable(table);
  }

  protected get name(): string {
    return tableName(this.base.identifier);
  }

  /** The table's format version: v3 manifests carry row lineage and deletion vectors. */
  protected get formatVersion(): FormatVersion {
    return this.base.metadata.formatVersion as FormatVersion;
  }

  /** Checked before the first attempt: throws when there is nothing to commit. */
  protected abstract checkReady(): void;

  /** The parent's manifests as the new snapshot keeps them, and the data files it removes. */
  protected abstract apply(attempt: Attempt): Promise<AttemptChanges>;

  /** The table as the update started on it, and once committed, as the commit left it. */
  get table(): LoadedTable {
    return this.base;
  }

  /** Adds data files written beforehand (with this table's current schema) of `spec` (default: the default spec). */
  addDataFiles(files: readonly DataFile[], spec: PartitionSpec = this.spec): void {
    this.checkFiles(files, spec, 0);
    addToGroup(this.added, spec, files);
  }

  /**
   * The files `writer` wrote belong to this snapshot alone: when it definitely fails (refused, or
   * abandoned) or is aborted, `writer.abort()` removes them. Files added without it stay the caller's.
   */
  removeOnFailure(writer: { abort(): Promise<void> }): void {
    this.owned.push(writer);
  }

  /** Removes the files of the writers it owns (`removeOnFailure`), for an update that will not be committed. */
  async abort(): Promise<void> {
    if (this.committing) throw new Error(`${this.name}: a commit was attempted, its files are its own`);
    this.committing = true;
    await this.discard();
  }

  async commit(): Promise<SnapshotResult> {
    this.checkReady();
    // A second call would send the same snapshot again.
    if (this.committing) throw new Error(`${this.name}: this ${this.operation} was already committed`);
    this.committing = true;
    let added: UnsequencedManifest[];
    try {
      added = await this.writeAddedManifests();
    } catch (error) {
      await this.discard();
      throw error;
    }
    let snapshot: Snapshot | undefined;
    let attemptFiles: string[] = [];
    const { table, attempts } = await commitChange(
      this.catalog,
      this.base,
      {
        what: `${this.operation} ${this.commitId} was committed`,
        apply: async (table, number) => {
          this.base = table;
          attemptFiles = [];
          snapshot = await this.buildSnapshot(added, number, attemptFiles);
          return branchCommit(table.metadata, this.branch, snapshot);
        },
        landed: (table) => {
          const found = landedOn(table.metadata, this.branch, this.commitId);
          if (found !== undefined) snapshot = found;
          return found !== undefined;
        },
        refused: () => this.deleteQuietly(attemptFiles),
        // Once an outcome was unknown, that attempt may still land: its files (and the data files) stay.
        failed: (mayLand) => (mayLand ? Promise.resolve() : this.discard()),
      },
      this.options,
    );
    this.base = table;
    return this.result(snapshot as Snapshot, attempts, table);
  }

  /**
   * The parent's manifests that still hold live files, as an attempt finds them. A manifest left with
   * only DELETED entries told the parent's readers what it removed; a child has no use for it (as
   * the reference implementation drops them), and carrying it would make every later scan open it.
   */
  protected async parentManifests(attempt: Attempt): Promise<ManifestFile[]> {
    if (attempt.parent === undefined) return [];
    return readManifestList(await this.io.read(attempt.parent.manifestList)).filter(
      (m) => m.addedFilesCount + m.existingFilesCount > 0,
    );
  }

  /** Checks that `files` are data files (0) or delete files, with partition values of `spec`. */
  protected checkFiles(files: readonly DataFile[], spec: PartitionSpec, content: 0 | 'deletes'): void {
    for (const f of files) {
      if (content === 0 && f.content !== 0) throw new Error(`${this.name}: ${f.filePath} is a delete file`);
      if (content === 'deletes' && f.content === 0)
        throw new Error(`${this.name}: ${f.filePath} is a data file`);
      if (f.partition.length !== spec.fields.length) {
        throw new Error(
          `${this.name}: ${f.filePath} has ${f.partition.length} partition values, spec ${spec.specId} has ${spec.fields.length} fields`,
        );
      }
    }
  }

  /** Delete files (content 1) that join the snapshot in `spec`. */
  protected includeDeletes({ spec, files }: WrittenDeletes): void {
    this.checkFiles(files, spec, 'deletes');
    addToGroup(this.addedDeletes, spec, files);
  }

  protected addedFiles(): DataFile[] {
    return [...this.added.values()].flatMap((g) => g.files);
  }

  protected addedDeleteFiles(): DataFile[] {
    return [...this.addedDeletes.values()].flatMap((g) => g.files);
  }

  private metadataLocation(): string {
    const { location, properties } = this.base.metadata;
    return properties['write.metadata.path'] ?? `${location}/metadata`;
  }

  /**
   * The manifests of the new files, one per spec and content: the same on every attempt (entries
   * inherit the sequence number).
   */
  private async writeAddedManifests(): Promise<UnsequencedManifest[]> {
    const groups = [
      ...[...this.added.values()].map((g) => ({ ...g, content: 0 as const })),
      ...[...this.addedDeletes.values()].map((g) => ({ ...g, content: 1 as const })),
    ];
    return Promise.all(
      groups.map(({ spec, files, content }, i) => {
        const location = `${this.metadataLocation()}/${this.commitId}-m${i}.avro`;
        this.written.push(location);
        return this.storeManifest(location, spec, this.addedEntries(files), content);
      }),
    );
  }

  /** Manifest entries of files this snapshot adds (their sequence numbers inherited from it). */
  protected addedEntries(files: readonly DataFile[]): ManifestEntry[] {
    return files.map((dataFile) => ({
      status: ManifestEntryStatus.ADDED,
      snapshotId: this.snapshotId,
      sequenceNumber: null,
      fileSequenceNumber: null,
      dataFile,
    }));
  }

  /** Writes a manifest of this snapshot in the table's format version. */
  private storeManifest(
    location: string,
    spec: PartitionSpec,
    entries: readonly ManifestEntry[],
    content: 0 | 1,
  ): Promise<UnsequencedManifest> {
    return writeManifestFile(
      this.io,
      location,
      this.schema,
      spec,
      this.snapshotId,
      entries,
      content,
      this.formatVersion,
    );
  }

  /** A manifest list on the current parent: the new manifests, then what `apply` keeps; and the snapshot. */
  private async buildSnapshot(
    added: UnsequencedManifest[],
    number: number,
    attemptFiles: string[],
  ): Promise<Snapshot> {
    const metadata = this.base.metadata;
    const parent = branchParent(metadata, this.branch, this.options.fromSnapshotId);
    const custom = this.customSummary(parent, metadata);
    const sequenceNumber = metadata.lastSequenceNumber + 1n;
    let written = 0;
    const changes = await this.apply({
      number,
      parent,
      metadata,
      sequenceNumber,
      writeManifest: async (spec, entries, content = 0) => {
        const location = `${this.metadataLocation()}/${this.commitId}-a${number}-m${written++}.avro`;
        attemptFiles.push(location);
        const manifest = await this.storeManifest(location, spec, entries, content);
        return {
          ...manifest,
          sequenceNumber,
          minSequenceNumber: minSequenceNumber(entries, sequenceNumber),
        };
      },
    });
    this.removed = changes.removed;
    this.attemptDeletes = changes.addedDeletes ?? [];
    const listLocation = `${this.metadataLocation()}/snap-${this.snapshotId}-${number}-${this.commitId}.avro`;
    attemptFiles.push(listLocation);
    const manifests = [
      ...added.map((m) => ({ ...m, sequenceNumber, minSequenceNumber: sequenceNumber })),
      ...changes.manifests,
    ];
    const lineage = this.formatVersion >= 3 ? assignRowIds(metadata, manifests) : undefined;
    await this.io.write(
      listLocation,
      writeManifestList({
        snapshotId: this.snapshotId,
        parentSnapshotId: parent?.snapshotId ?? null,
        sequenceNumber,
        manifests: lineage?.manifests ?? manifests,
        ...(lineage !== undefined && { firstRowId: lineage.firstRowId }),
      }),
    );
    const snapshot: Snapshot = {
      snapshotId: this.snapshotId,
      sequenceNumber,
      timestampMs: Date.now(),
      manifestList: listLocation,
      summary: snapshotSummary({
        operation: this.operation,
        added: this.addedFiles(),
        addedDeletes: [...this.addedDeleteFiles(), ...this.attemptDeletes],
        removed: changes.removed,
        parent,
        commitId: this.commitId,
        custom,
        own: changes.summary ?? {},
      }),
      schemaId: this.schema.schemaId,
    };
    if (parent !== undefined) snapshot.parentSnapshotId = parent.snapshotId;
    if (lineage !== undefined) {
      snapshot.firstRowId = lineage.firstRowId;
      snapshot.addedRows = lineage.addedRows;
    }
    return snapshot;
  }

  private customSummary(parent: Snapshot | undefined, metadata: TableMetadata): Record<string, string> {
    const { summary } = this.options;
    if (typeof summary !== 'function') return summary ?? {};
    const properties = summary(parent, metadata);
    checkCustomSummary(properties);
    return properties;
  }

  private result(snapshot: Snapshot, attempts: number, table: LoadedTable): SnapshotResult {
    return {
      snapshotId: snapshot.snapshotId,
      sequenceNumber: snapshot.sequenceNumber,
      commitId: this.commitId,
      attempts,
      dataFiles: this.addedFiles(),
      deleteFiles: [...this.addedDeleteFiles(), ...this.attemptDeletes],
      removedFiles: this.removed.filter((f) => f.content === 0),
      removedDeleteFiles: this.removed.filter((f) => f.content !== 0),
      table,
    };
  }

  /** Removes the manifests this snapshot wrote and the files of the writers it owns. */
  private async discard(): Promise<void> {
    await Promise.allSettled([this.deleteQuietly(this.written), ...this.owned.map((w) => w.abort())]);
  }

  private async deleteQuietly(locations: readonly string[]): Promise<void> {
    await Promise.allSettled(locations.map((location) => this.io.delete(location)));
  }
}

/**
 * Format v3 row lineage (spec "Row Lineage"): the snapshot's first-row-id is the table's next-row-id,
 * and each data manifest without a first_row_id takes the next range, as long as its added and
 * existing rows; the snapshot's added-rows is the ids so assigned.
 */
function assignRowIds(
  metadata: TableMetadata,
  manifests: readonly ManifestFile[],
): { manifests: ManifestFile[]; firstRowId: bigint; addedRows: bigint } {
  const firstRowId = metadata.nextRowId ?? 0n;
  let next = firstRowId;
  const assigned = manifests.map((m) => {
    if (m.content !== 0 || m.firstRowId !== undefined) return m;
    const withId = { ...m, firstRowId: next };
    next += m.addedRowsCount + m.existingRowsCount;
    return withId;
  });
  return { manifests: assigned, firstRowId, addedRows: next - firstRowId };
}

function addToGroup(
  groups: Map<number, { spec: PartitionSpec; files: DataFile[] }>,
  spec: PartitionSpec,
  files: readonly DataFile[],
): void {
  let group = groups.get(spec.specId);
  if (group === undefined) {
    group = { spec, files: [] };
    groups.set(spec.specId, group);
  }
  group.files.push(...files);
}
