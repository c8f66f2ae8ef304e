import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordBatch } from 'apache-arrow';
import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog';
import { tableName } from '../catalog/catalog';
import { CommitFailedError, CommitStateUnknownError } from '../catalog/errors';
import type { FileIO } from '../io/file-io';
import { type DataFile, ManifestEntryStatus, writeManifest } from '../spec/manifest';
import {
  type ManifestFile,
  partitionSummaries,
  readManifestList,
  writeManifestList,
} from '../spec/manifest-list';
import type { PartitionSpec } from '../spec/partition-spec';
import type { Schema } from '../spec/schema';
import {
  currentSchema,
  currentSnapshot,
  defaultSpec,
  type Snapshot,
  type TableMetadata,
} from '../spec/table-metadata';
import type { ParquetWriteOptions } from '../writer/parquet-writer';
import type { Row } from '../writer/rows-to-arrow';
import { batchPartition, type DataFileTarget, writeDataFile, writeDataFiles } from './data-files';
import { appendSummary, COMMIT_ID_KEY, checkCustomSummary } from './snapshot-summary';

export interface AppendOptions {
  /**
   * Extra snapshot summary properties, e.g. the Kafka offsets this append covers. A function is called
   * on every attempt with the snapshot the append is about to be built on (and that snapshot's table
   * metadata), so properties can be merged with the parent's; throwing from it abandons the append.
   */
  summary?: SummaryProperties;
  /** Commit attempts in all (default 5): a 409 or an unknown outcome is followed by a reload and a retry. */
  maxAttempts?: number;
  /** Backoff before retry n is min(maxBackoffMs, minBackoffMs * 2^(n-1)), with jitter (defaults 100 and 5000). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  parquet?: ParquetWriteOptions;
}

export type SummaryProperties =
  | Record<string, string>
  | ((parent: Snapshot | undefined, metadata: TableMetadata) => Record<string, string>);

export interface AppendResult {
  snapshotId: bigint;
  sequenceNumber: bigint;
  commitId: string;
  /** Commit requests sent (1 when nothing interfered). */
  attempts: number;
  dataFiles: DataFile[];
  table: LoadedTable;
}

/** A positive random 63-bit id, as the reference makes snapshot ids. */
function newSnapshotId(): bigint {
  const id = randomBytes(8).readBigUInt64BE() & ((1n << 63n) - 1n);
  return id === 0n ? 1n : id;
}

function landed(metadata: TableMetadata, commitId: string): Snapshot | undefined {
  return metadata.snapshots.find((s) => s.summary[COMMIT_ID_KEY] === commitId);
}

/**
 * A fast append to the table's main branch: new data files go into one new manifest, and the new
 * manifest list carries the parent's manifests unchanged. The commit asserts the parent it was built
 * on; when another writer got there first it is rebuilt on the new parent and sent again. Every
 * attempt uses the same snapshot id and `floe.commit-id`, and an attempt with an unknown outcome is
 * looked up in the reloaded table before another is sent, so the append lands at most once.
 */
export class FastAppend {
  private readonly commitId = randomUUID();
  private readonly snapshotId = newSnapshotId();
  private readonly files: DataFile[] = [];
  /** Every file this append wrote: removed again if the append definitely fails. */
  private readonly written: string[] = [];
  /** Once an attempt's outcome was unknown, it may still land: its files must stay. */
  private sawUnknown = false;
  private committing = false;
  private readonly schema: Schema;
  private readonly spec: PartitionSpec;

  private constructor(
    private readonly catalog: Catalog,
    private readonly io: FileIO,
    private readonly id: TableIdentifier,
    private base: LoadedTable,
    private readonly options: AppendOptions,
  ) {
    if (base.metadata.formatVersion !== 2) {
      throw new Error(
        `${tableName(id)}: fast append writes format v2 tables, this one is v${base.metadata.formatVersion}`,
      );
    }
    if (typeof options.summary !== 'function') checkCustomSummary(options.summary ?? {});
    this.schema = currentSchema(base.metadata);
    this.spec = defaultSpec(base.metadata);
  }

  /** Starts an append on the table as the catalog has it now (its current schema and default spec). */
  static async start(
    catalog: Catalog,
    io: FileIO,
    id: TableIdentifier,
    options: AppendOptions = {},
  ): Promise<FastAppend> {
    return new FastAppend(catalog, io, id, await catalog.loadTable(id), options);
  }

  /** Writes rows (spec/values.ts forms) as one Parquet file per partition. */
  async addRows(rows: readonly Row[]): Promise<DataFile[]> {
    return this.named(async () => {
      const files = await writeDataFiles(this.target(), rows, this.files.length);
      this.add(files);
      return files;
    });
  }

  /**
   * Writes Arrow batches of the table's Arrow form (`arrowSchema(schema)`, e.g. from `rowsToArrow`)
   * as one Parquet file; all their rows must be in one partition.
   */
  async addBatches(batches: readonly RecordBatch[]): Promise<DataFile> {
    return this.named(async () => {
      const partition = batchPartition(this.schema, this.spec, batches);
      const file = await writeDataFile(this.target(), batches, partition, this.files.length);
      this.add([file]);
      return file;
    });
  }

  private target(): DataFileTarget {
    const { location, properties } = this.base.metadata;
    return {
      io: this.io,
      schema: this.schema,
      spec: this.spec,
      dataLocation: properties['write.data.path'] ?? `${location}/data`,
      filePrefix: this.commitId,
      parquet: this.options.parquet,
    };
  }

  /** Errors of a write name the table. */
  private async named<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      throw new Error(`${tableName(this.id)}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Adds data files written elsewhere (with this table's schema and default spec). */
  addDataFiles(files: readonly DataFile[]): void {
    for (const f of files) {
      if (f.partition.length !== this.spec.fields.length) {
        throw new Error(
          `${tableName(this.id)}: ${f.filePath} has ${f.partition.length} partition values, spec ${this.spec.specId} has ${this.spec.fields.length} fields`,
        );
      }
    }
    this.files.push(...files);
  }

  private add(files: DataFile[]): void {
    this.files.push(...files);
    this.written.push(...files.map((f) => f.filePath));
  }

  async commit(): Promise<AppendResult> {
    if (this.files.length === 0) throw new Error(`${tableName(this.id)}: nothing to append`);
    // A second call would send the same snapshot again.
    if (this.committing) throw new Error(`${tableName(this.id)}: this append was already committed`);
    this.committing = true;
    const manifest = await this.writeNewManifest();
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt += 1) {
      let built: { snapshot: Snapshot; listLocation: string };
      try {
        built = await this.buildSnapshot(manifest, attempt);
      } catch (error) {
        if (!this.sawUnknown) await this.cleanUp([]);
        throw error;
      }
      const { snapshot, listLocation } = built;
      const parentId = snapshot.parentSnapshotId ?? null;
      try {
        const table = await this.catalog.updateTable(
          this.id,
          [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: parentId }],
          [
            { action: 'add-snapshot', snapshot },
            {
              action: 'set-snapshot-ref',
              refName: 'main',
              ref: { snapshotId: this.snapshotId, type: 'branch' },
            },
          ],
        );
        return this.result(snapshot, attempt, table);
      } catch (error) {
        const unknown = error instanceof CommitStateUnknownError;
        this.sawUnknown ||= unknown;
        if (!unknown && !(error instanceof CommitFailedError)) {
          if (!this.sawUnknown) await this.cleanUp([listLocation]);
          throw error;
        }
        // A 409 may follow our own earlier attempt whose answer was lost: look before retrying.
        this.base = await this.catalog.loadTable(this.id);
        const done = landed(this.base.metadata, this.commitId);
        if (done !== undefined) return this.result(done, attempt, this.base);
        // After an unknown outcome the request may still land and reference this attempt's files, so
        // only a definite refusal lets them go.
        if (!unknown) await this.io.delete(listLocation);
        if (attempt >= maxAttempts) {
          if (!this.sawUnknown) await this.cleanUp([]);
          throw error;
        }
        await sleep(this.backoff(attempt));
        this.base = await this.catalog.loadTable(this.id);
      }
    }
  }

  private backoff(attempt: number): number {
    const min = this.options.minBackoffMs ?? 100;
    const max = this.options.maxBackoffMs ?? 5000;
    const ceiling = Math.min(max, min * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private metadataLocation(): string {
    const { location, properties } = this.base.metadata;
    return properties['write.metadata.path'] ?? `${location}/metadata`;
  }

  /** The manifest of the new files: the same on every attempt (its entries inherit the sequence number). */
  private async writeNewManifest(): Promise<Omit<ManifestFile, 'sequenceNumber' | 'minSequenceNumber'>> {
    const bytes = writeManifest({
      schema: this.schema,
      spec: this.spec,
      entries: this.files.map((dataFile) => ({
        status: ManifestEntryStatus.ADDED,
        snapshotId: this.snapshotId,
        sequenceNumber: null,
        fileSequenceNumber: null,
        dataFile,
      })),
    });
    const manifestPath = `${this.metadataLocation()}/${this.commitId}-m0.avro`;
    await this.io.write(manifestPath, bytes);
    this.written.push(manifestPath);
    return {
      manifestPath,
      manifestLength: BigInt(bytes.byteLength),
      partitionSpecId: this.spec.specId,
      content: 0,
      addedSnapshotId: this.snapshotId,
      addedFilesCount: this.files.length,
      existingFilesCount: 0,
      deletedFilesCount: 0,
      addedRowsCount: this.files.reduce((n, f) => n + f.recordCount, 0n),
      existingRowsCount: 0n,
      deletedRowsCount: 0n,
      partitions: partitionSummaries(this.spec, this.schema, this.files),
    };
  }

  /** A manifest list on the current parent: its manifests after ours, then the snapshot that points at it. */
  private async buildSnapshot(
    manifest: Omit<ManifestFile, 'sequenceNumber' | 'minSequenceNumber'>,
    attempt: number,
  ): Promise<{ snapshot: Snapshot; listLocation: string }> {
    const metadata = this.base.metadata;
    const parent = currentSnapshot(metadata);
    const custom = this.customSummary(parent, metadata);
    const sequenceNumber = metadata.lastSequenceNumber + 1n;
    const inherited = parent === undefined ? [] : readManifestList(await this.io.read(parent.manifestList));
    const listLocation = `${this.metadataLocation()}/snap-${this.snapshotId}-${attempt}-${this.commitId}.avro`;
    await this.io.write(
      listLocation,
      writeManifestList({
        snapshotId: this.snapshotId,
        parentSnapshotId: parent?.snapshotId ?? null,
        sequenceNumber,
        manifests: [{ ...manifest, sequenceNumber, minSequenceNumber: sequenceNumber }, ...inherited],
      }),
    );
    const snapshot: Snapshot = {
      snapshotId: this.snapshotId,
      sequenceNumber,
      timestampMs: Date.now(),
      manifestList: listLocation,
      summary: appendSummary(this.files, parent, this.commitId, custom),
      schemaId: this.schema.schemaId,
    };
    if (parent !== undefined) snapshot.parentSnapshotId = parent.snapshotId;
    return { snapshot, listLocation };
  }

  private customSummary(parent: Snapshot | undefined, metadata: TableMetadata): Record<string, string> {
    const { summary } = this.options;
    if (typeof summary !== 'function') return summary ?? {};
    const properties = summary(parent, metadata);
    checkCustomSummary(properties);
    return properties;
  }

  private result(snapshot: Snapshot, attempts: number, table: LoadedTable): AppendResult {
    return {
      snapshotId: snapshot.snapshotId,
      sequenceNumber: snapshot.sequenceNumber,
      commitId: this.commitId,
      attempts,
      dataFiles: [...this.files],
      table,
    };
  }

  private async cleanUp(extra: string[]): Promise<void> {
    await Promise.allSettled([...this.written, ...extra].map((location) => this.io.delete(location)));
  }
}
