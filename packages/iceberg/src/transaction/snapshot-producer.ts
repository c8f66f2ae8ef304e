import { randomBytes, randomUUID } from 'node:crypto';
import type { RecordBatch } from 'apache-arrow';
import { type Catalog, type LoadedTable, type TableIdentifier, tableName } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import { type DataFile, type FormatVersion, type ManifestEntry, ManifestEntryStatus } from '../spec/manifest';
import { type ManifestFile, readManifestList, writeManifestList } from '../spec/manifest-list';
import type { PartitionSpec } from '../spec/partition-spec';
import type { Schema } from '../spec/schema';
import { currentSchema, defaultSpec, type Snapshot, type TableMetadata } from '../spec/table-metadata';
import type { IcebergValue } from '../spec/values';
import type { DataFileTarget } from '../writer/data-file';
import type { ParquetWriteOptions } from '../writer/parquet-writer';
import { RollingDataWriter, targetFileSize } from '../writer/rolling-writer';
import { type Row, rowsToArrow } from '../writer/rows-to-arrow';
import { branchCommit, branchParent, landedOn, MAIN_BRANCH } from './branch';
import { commitChange } from './commit-loop';
import { batchPartition, partitionRows } from './data-files';
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
  parquet?: ParquetWriteOptions;
  /** Data files are cut near this size (default: the table's write.target-file-size-bytes, else 128 MiB). */
  targetFileSizeBytes?: number;
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
  /** Summary properties the operation sets itself (e.g. a manifest rewrite's counts). */
  summary?: Record<string, string>;
}

/** Rows go to Arrow in chunks of this many, so the rolling writer can cut files between them. */
const ROWS_PER_BATCH = 16_384;

/** A positive random 63-bit id, as the reference makes snapshot ids. */
function newSnapshotId(): bigint {
  const id = randomBytes(8).readBigUInt64BE() & ((1n << 63n) - 1n);
  return id === 0n ? 1n : id;
}

/** A rolling writer of one partition whose files join the snapshot when it is closed. */
export interface PartitionWriter {
  write(batch: RecordBatch): Promise<void>;
  close(): Promise<DataFile[]>;
}

/**
 * A new snapshot of a branch (main unless told), built from data files it writes and the parent's
 * manifests. The commit asserts the branch head it was built on; when another writer got there first it
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
  /** Every file this update wrote: removed again if it definitely fails. */
  private readonly written: string[] = [];
  private fileCount = 0;
  private committing = false;
  private removed: DataFile[] = [];

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

  /** Writes rows (spec/values.ts forms) as data files of the default spec, by partition, cut near the target size. */
  async addRows(rows: readonly Row[]): Promise<DataFile[]> {
    return this.named(async () => {
      const files: DataFile[] = [];
      for (const group of partitionRows(this.schema, this.spec, rows)) {
        const writer = this.writer(group.partition);
        for (let start = 0; start < group.rows.length; start += ROWS_PER_BATCH) {
          await writer.write(rowsToArrow(this.schema, group.rows.slice(start, start + ROWS_PER_BATCH)));
        }
        files.push(...(await writer.close()));
      }
      return files;
    });
  }

  /**
   * Writes Arrow batches of the table's Arrow form (`arrowSchema(schema)`, e.g. from `rowsToArrow`) as
   * data files cut near the target size; all their rows must be in one partition.
   */
  async addBatches(batches: readonly RecordBatch[]): Promise<DataFile[]> {
    return this.named(async () => {
      const writer = this.writer(batchPartition(this.schema, this.spec, batches));
      for (const batch of batches) await writer.write(batch);
      return writer.close();
    });
  }

  /** Adds data files written elsewhere (with this table's current schema and the given spec, default the default one). */
  addDataFiles(files: readonly DataFile[], spec: PartitionSpec = this.spec): void {
    for (const f of files) {
      if (f.partition.length !== spec.fields.length) {
        throw new Error(
          `${this.name}: ${f.filePath} has ${f.partition.length} partition values, spec ${spec.specId} has ${spec.fields.length} fields`,
        );
      }
    }
    this.include(spec, files);
  }

  /**
   * A writer of one partition's rows (Arrow batches of the current schema) in `spec`, cutting files
   * near the target size; `expectedBytesPerRow` sizes the first file when it is known beforehand.
   */
  writer(
    partition: IcebergValue[],
    spec: PartitionSpec = this.spec,
    expectedBytesPerRow?: number,
  ): PartitionWriter {
    const rolling = new RollingDataWriter(this.target(spec), partition, expectedBytesPerRow);
    return {
      write: (batch) => rolling.write(batch),
      close: async () => {
        const files = await rolling.close();
        this.include(spec, files);
        return files;
      },
    };
  }

  /** Removes what this update wrote, for one that will not be committed. */
  async abort(): Promise<void> {
    if (this.committing) throw new Error(`${this.name}: a commit was attempted, its files are its own`);
    this.committing = true;
    await this.deleteQuietly(this.written);
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
      await this.deleteQuietly(this.written);
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
        failed: (mayLand) => this.deleteQuietly(mayLand ? [] : this.written),
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

  /** Where the files of this update go in `spec` (named after its commit id, removed if it fails). */
  protected target(spec: PartitionSpec): DataFileTarget {
    const { location, properties } = this.base.metadata;
    return {
      io: this.io,
      schema: this.schema,
      spec,
      dataLocation: properties['write.data.path'] ?? `${location}/data`,
      filePrefix: this.commitId,
      nextIndex: () => this.fileCount++,
      onWritten: (file) => this.written.push(file.filePath),
      targetFileSizeBytes: targetFileSize(properties, this.options.targetFileSizeBytes),
      parquet: this.options.parquet,
    };
  }

  private include(spec: PartitionSpec, files: readonly DataFile[]): void {
    addToGroup(this.added, spec, files);
  }

  /** Delete files (content 1) that join the snapshot in `spec`. */
  protected includeDeletes(spec: PartitionSpec, files: readonly DataFile[]): void {
    addToGroup(this.addedDeletes, spec, files);
  }

  protected addedFiles(): DataFile[] {
    return [...this.added.values()].flatMap((g) => g.files);
  }

  protected addedDeleteFiles(): DataFile[] {
    return [...this.addedDeletes.values()].flatMap((g) => g.files);
  }

  /** Errors of a write name the table. */
  private async named<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      throw new Error(`${this.name}: ${(error as Error).message}`, { cause: error });
    }
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
        const entries = files.map((dataFile) => ({
          status: ManifestEntryStatus.ADDED,
          snapshotId: this.snapshotId,
          sequenceNumber: null,
          fileSequenceNumber: null,
          dataFile,
        }));
        return this.storeManifest(location, spec, entries, content);
      }),
    );
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
        addedDeletes: this.addedDeleteFiles(),
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
      deleteFiles: this.addedDeleteFiles(),
      removedFiles: this.removed.filter((f) => f.content === 0),
      removedDeleteFiles: this.removed.filter((f) => f.content !== 0),
      table,
    };
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
