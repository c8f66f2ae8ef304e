import { randomUUID } from 'node:crypto';
import {
  AlreadyExistsError,
  type Catalog,
  CommitFailedError,
  ConcurrentSchemaChangeError,
  currentSchema,
  type DataFile,
  type DataFileTarget,
  defaultSpec,
  FastAppend,
  type FileIO,
  TableWriter as IcebergTableWriter,
  type LoadedTable,
  NoSuchTableError,
  newSchema,
  type PartitionSpec,
  PartitionSpecBuilder,
  parseTransform,
  RowDelta,
  type Schema,
  type Snapshot,
  type StructType,
  storeDataFile,
  type TableIdentifier,
  type TableMetadata,
  tableName,
  targetFileSize,
  UpdateSchema,
} from '@floe/iceberg';
import type { ChangeSet } from '../changes/change-set';
import { RecordRejectedError, type TypedValue } from '../decode/decoded';
import type { RawBatch, RejectedRecord, TableWriter, WrittenDataFile } from '../engine/engine';
import { type RecordReader, recordOf } from '../engine/read-record';
import { fitRecord, type SchemaChange, type SchemaPolicy } from '../fit/fit-record';
import { mergeStructs } from '../fit/merge-types';
import { applySchemaChanges } from '../fit/schema-changes';
import type { StageClock } from '../pipeline/metrics';
import type { Handover } from './handover';
import { carriedOffsets, encodeOffsets, type OffsetMap, offsetsKey, tableOffsets } from './offsets';
import { type CommitOutcome, chainRanges, FencedError, summaryOf } from './table-commit';

export { type CommitOutcome, FencedError, type PartitionCommit } from './table-commit';

export interface TableSinkOptions {
  catalog: Catalog;
  io: FileIO;
  id: TableIdentifier;
  pipelineId: string;
  policy: SchemaPolicy;
  /** Partition fields of a table the sink creates, e.g. `{ source: 'event_ts', transform: 'day' }`. */
  partitionBy: readonly { source: string; transform: string }[];
  /**
   * The table's partition spec data files are written in; unset, its default spec (followed when it
   * changes). A re-partitioning backfill writes its branch in a spec that is not the default yet.
   */
  specId?: number;
  /** Location of a table the sink creates; the catalog chooses when unset. */
  location?: string;
  /** Data files are cut near this size in storage (default: the table's write.target-file-size-bytes, else 128 MiB). */
  targetFileSizeBytes?: number;
  maxCommitAttempts?: number;
  /** Reads a record the TypeScript way: for a new table's first schema and for the schema change a record needs. */
  read: RecordReader;
  /** The engine's writer of this table's rows, made once the table's schema is known. */
  writerFor: (schema: Schema, spec: PartitionSpec) => TableWriter;
  /** Where encoding, upload and commit times are summed (the pipeline's metrics). */
  stages?: StageClock;
  /** Upsert or CDC: rows are keyed, and a commit deletes the rows its changes replace (see ChangeSet). */
  changes?: ChangeSet;
}

/** What is held for one topic-partition since the last commit (the rows themselves are in the writer). */
interface PartitionBuffer {
  topic: string;
  partition: number;
  records: number;
  /** The partition's offset in the table when its first row here was read: the commit requires it unchanged. */
  base: bigint | undefined;
  /** The offset after the last record taken (good or dead-lettered). */
  nextOffset: bigint;
  newestRecordMs: bigint | null;
}

/** Schema changes made locally and not committed yet: the table they start from, and each step's changes. */
interface PendingSchema {
  table: LoadedTable;
  steps: (readonly SchemaChange[])[];
}

/**
 * One pipeline's rows for one table, held per topic-partition by the ingest engine's writer until
 * committed as one Iceberg append whose summary carries the pipeline's next offsets. Under `evolve` the
 * schema grows locally when a record asks for it and is committed just before the rows. Data files
 * written for a commit that failed stay in storage and join the next attempt.
 */
export class TableSink {
  private table: LoadedTable | undefined;
  private schema: Schema | undefined;
  private pendingSchema: PendingSchema | undefined;
  private writer: TableWriter | undefined;
  /** The spec the writer partitions rows by. */
  private writerSpec: PartitionSpec | undefined;
  private readonly buffers = new Map<string, PartitionBuffer>();
  /** Files the engine wrote that are not in storage yet (an upload failed: they are retried). */
  private unstored: WrittenDataFile[] = [];
  /** Files written and stored for a commit that has not landed yet (it failed and is retried). */
  private stored: DataFile[] = [];
  private storedSpec: PartitionSpec | undefined;
  /** What the table held for this pipeline when last read or committed: the base of every buffered partition. */
  private committed: OffsetMap = new Map();

  constructor(private readonly options: TableSinkOptions) {}

  get name(): string {
    return tableName(this.options.id);
  }

  /** The table's name within its namespace (how the pipeline's spec and routes name it). */
  get localName(): string {
    return this.options.id.name;
  }

  /** The table as last read or committed here. */
  get metadata(): TableMetadata | undefined {
    return this.table?.metadata;
  }

  /** The engine that writes this table's rows, once the table is known. */
  get engine(): TableWriter['engine'] | undefined {
    return this.writer?.engine;
  }

  /** Reads the table (when it exists) and returns the pipeline's offsets in it. Drops nothing. */
  async load(): Promise<OffsetMap> {
    try {
      const table = await this.options.catalog.loadTable(this.options.id);
      this.useTable(table);
      this.committed = tableOffsets(table.metadata, this.options.pipelineId);
    } catch (error) {
      if (!(error instanceof NoSuchTableError)) throw error;
      this.committed = new Map();
    }
    return this.committed;
  }

  get exists(): boolean {
    return this.table !== undefined;
  }

  /** Creates the table from the types of a batch's records (all of them, not just one), unless another writer did. */
  async create(batch: RawBatch): Promise<void> {
    const { catalog, id, partitionBy, location, changes } = this.options;
    const rows = changes === undefined ? batch : changes.rowRecords(batch);
    const types: StructType[] = [];
    for (let i = 0; i < rows.length; i += 1) {
      try {
        types.push((await this.options.read(recordOf(rows, i))).type);
      } catch (error) {
        if (!(error instanceof RecordRejectedError)) throw error;
      }
    }
    if (types.length === 0) return; // every record is bad: they are rejected when taken, no table yet
    const schema =
      changes === undefined ? newSchema(mergeStructs(types).fields) : keyedSchema(types, changes);
    const spec = new PartitionSpecBuilder(schema);
    for (const field of partitionBy) spec.add(field.source, parseTransform(field.transform));
    try {
      this.useTable(
        await catalog.createTable(id.namespace, {
          name: id.name,
          schema,
          partitionSpec: spec.build(),
          ...(location !== undefined && { location }),
          properties: {
            'format-version': String(changes?.formatVersion ?? 2),
            'write.parquet.compression-codec': 'zstd',
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      await this.load();
    }
  }

  /** The pipeline's offsets as the table held them when last read or committed. */
  get committedOffsets(): OffsetMap {
    return this.committed;
  }

  /** The next offset the table holds for a partition, if the pipeline ever committed it. */
  committedOffset(key: string): bigint | undefined {
    return this.committed.get(key);
  }

  /**
   * Holds the rows of a batch of one topic-partition (records the table already holds are not in it)
   * and moves the partition's next offset past its last record. Returns the records that were
   * rejected, for the caller's bad-record policy.
   */
  async take(key: string, batch: RawBatch): Promise<{ batch: RawBatch; rejected: RejectedRecord[] }> {
    const { changes } = this.options;
    if (changes === undefined) return this.takeRows(key, batch);
    // The engine reads the rows now (rejecting what it must); they are written at the commit, one per key.
    const rejected = await changes.take(key, batch, this.requireSchema(), async (rows) => {
      const taken = await this.takeRows(key, rows);
      this.requireWriter().drop([key]);
      return taken.rejected;
    });
    if (batch.length > 0) this.buffer(key, batch).nextOffset = batch.offset(batch.length - 1) + 1n;
    return { batch, rejected };
  }

  /** Takes rows read before (a change's row, at the commit) without counting them or moving the offsets again. */
  private async takeAgain(key: string, rows: RawBatch): Promise<RejectedRecord[]> {
    const buffer = this.buffer(key, rows);
    const counted = { ...buffer };
    const { rejected } = await this.takeRows(key, rows);
    Object.assign(buffer, counted);
    return rejected;
  }

  private async takeRows(
    key: string,
    batch: RawBatch,
  ): Promise<{ batch: RawBatch; rejected: RejectedRecord[] }> {
    const writer = this.requireWriter();
    const buffer = this.buffer(key, batch);
    const rejected: RejectedRecord[] = [];
    for (let from = 0; from < batch.length; ) {
      const result = await this.time('take', async () => writer.take(key, batch, from));
      const bad = new Set(result.rejected.map((r) => r.index));
      for (let i = from; i < result.taken; i += 1) {
        if (bad.has(i)) continue;
        buffer.records += 1;
        const ts = batch.timestampMs(i);
        if (buffer.newestRecordMs === null || ts > buffer.newestRecordMs) buffer.newestRecordMs = ts;
      }
      rejected.push(...result.rejected);
      if (!result.needsSchemaChange) break;
      const refused = await this.evolveFor(batch, result.taken);
      if (refused !== undefined) rejected.push(refused);
      from = refused === undefined ? result.taken : result.taken + 1;
    }
    if (batch.length > 0) buffer.nextOffset = batch.offset(batch.length - 1) + 1n;
    return { batch, rejected };
  }

  /** Moves a partition's next offset past a record no row of this table comes from (it went to another table). */
  advance(key: string, record: { topic: string; partition: number; offset: bigint }): void {
    this.buffer(key, record).nextOffset = record.offset + 1n;
  }

  get bufferedRows(): number {
    return (this.writer?.bufferedRows ?? 0) + (this.options.changes?.size ?? 0);
  }

  /**
   * Forgets what is held for these partitions (they moved to another worker, or were fenced). Files
   * stored for a failed commit mix partitions, so when one of them is dropped everything held goes:
   * returns true then, and the caller reads every partition again from the table.
   */
  drop(keys: Iterable<string>): boolean {
    const list = [...keys].filter((key) => this.buffers.has(key));
    if (list.length === 0) return false;
    if (this.stored.length > 0 || this.unstored.length > 0 || this.options.changes?.pending) {
      this.dropAll();
      return true;
    }
    for (const key of list) this.buffers.delete(key);
    this.writer?.drop(list);
    this.options.changes?.drop(list);
    return false;
  }

  /** Forgets everything held, and a schema grown locally and not committed. */
  dropAll(): void {
    this.buffers.clear();
    this.writer?.clear();
    this.options.changes?.clear();
    this.unstored = [];
    void this.deleteStored();
    if (this.table !== undefined && this.pendingSchema !== undefined) {
      this.pendingSchema = undefined;
      this.schema = undefined;
      this.useTable(this.table);
    }
  }

  /**
   * Commits the held rows and offsets as one append (with no data file when every record since the
   * last commit was dead-lettered or went to another table). Returns undefined when nothing was taken
   * or the table does not exist yet. Throws FencedError when another writer moved one of the
   * partitions; the caller drops and re-reads.
   */
  async commit(): Promise<CommitOutcome | undefined> {
    // Partitions whose last records all went to the dead letters still move on: the commit then has
    // no rows, only offsets (else they would stay behind, and the letters be sent again on restart).
    if (this.buffers.size === 0 || !this.exists) return undefined;
    await this.commitSchema();
    await this.options.changes?.materialize((key, rows) => this.takeAgain(key, rows));
    await this.storeHeldRows();
    const all = [...this.buffers.entries()];
    const { catalog, io, id, pipelineId, changes } = this.options;
    const options = {
      summary: (parent: Snapshot | undefined, metadata: TableMetadata) =>
        this.offsetsSummary(parent, metadata, all),
      ...(this.options.maxCommitAttempts !== undefined && { maxAttempts: this.options.maxCommitAttempts }),
    };
    // Changes are committed as a row delta planned on the table as it is now (its deletes are positions in it).
    const planned = changes === undefined ? undefined : await catalog.loadTable(id);
    const deletes =
      planned === undefined ? [] : await (changes as ChangeSet).deletes(planned, this.requireSchema());
    const equal = changes?.byEquality ? changes.equalityDeletes(this.requireSchema()) : undefined;
    const snapshot =
      planned !== undefined && (deletes.length > 0 || this.stored.length > 0 || (equal?.rows.length ?? 0) > 0)
        ? await RowDelta.start(catalog, io, planned, options)
        : await FastAppend.start(catalog, io, id, { ...options, allowEmpty: true });
    if (this.stored.length > 0) snapshot.addDataFiles(this.stored, this.storedSpec);
    if (snapshot instanceof RowDelta) {
      // Delete files are written for the delta, on the table it is planned on, and go if it fails.
      const deleteWriter = new IcebergTableWriter(io, snapshot.table);
      snapshot.removeOnFailure(deleteWriter);
      if (deletes.length > 0)
        snapshot.addDeletes(await deleteWriter.deletePositions(deletes, this.storedSpec, snapshot.planned));
      if (equal !== undefined && equal.rows.length > 0)
        snapshot.addDeletes(await deleteWriter.deleteEqual(equal.rows, equal.schema, this.storedSpec));
    }
    const result = await this.time('commit', () => snapshot.commit());
    changes?.committed(result.table, result.snapshotId, planned?.metadata.currentSnapshotId ?? undefined);
    const files = this.stored;
    this.stored = [];
    this.useTable(result.table);
    this.committed = tableOffsets(result.table.metadata, pipelineId);
    this.buffers.clear();
    return {
      table: this.name,
      snapshotId: result.snapshotId,
      committedAtMs: Date.now(),
      records: files.reduce((n, f) => n + Number(f.recordCount), 0),
      bytes: files.reduce((n, f) => n + Number(f.fileSizeInBytes), 0),
      dataFiles: files.length,
      deleteFiles: result.deleteFiles.length,
      tableTotals: summaryOf(result.table.metadata, result.snapshotId),
      partitions: all.map(([, b]) => ({
        topic: b.topic,
        partition: b.partition,
        nextOffset: b.nextOffset,
        records: b.records,
        newestRecordMs: b.newestRecordMs,
      })),
      offsets: this.committed,
    };
  }

  /**
   * For a member of a pool: writes what is held as data files in storage (committing a schema grown
   * here first) and gives them up with each partition's offset range, without committing them. The
   * sink then reads on as if they were committed (the next range starts where this one ends); if the
   * committer refuses them, the caller drops everything and reads again from the table. Undefined when
   * nothing was taken or the table does not exist yet. Not for upsert or CDC (their deletes are planned
   * on the table at the commit).
   */
  async handOver(): Promise<Handover | undefined> {
    if (this.buffers.size === 0 || !this.exists) return undefined;
    if (this.options.changes !== undefined)
      throw new Error(`${this.name}: keyed changes are committed by their member`);
    await this.commitSchema();
    await this.storeHeldRows();
    const handover: Handover = {
      table: this.options.id.name,
      specId: (this.storedSpec ?? (this.writerSpec as PartitionSpec)).specId,
      files: this.stored,
      ranges: [...this.buffers].map(([key, b]) => ({
        key,
        topic: b.topic,
        partition: b.partition,
        from: b.base ?? null,
        to: b.nextOffset,
        records: b.records,
        newestRecordMs: b.newestRecordMs,
      })),
    };
    for (const range of handover.ranges) this.committed.set(range.key, range.to);
    this.stored = [];
    this.buffers.clear();
    return handover;
  }

  /** Marks a partition's records below `offset` as handed over: the next range taken starts there. */
  handedOver(key: string, offset: bigint): void {
    this.committed.set(key, offset);
  }

  /**
   * The pipeline's offsets as the table holds them now, without changing what this sink reads on from
   * (a member on a pool checks what the committer made of its hand-overs). Follows the table's schema.
   */
  async tableOffsetsNow(): Promise<OffsetMap> {
    try {
      const table = await this.options.catalog.loadTable(this.options.id);
      this.useTable(table);
      return tableOffsets(table.metadata, this.options.pipelineId);
    } catch (error) {
      if (!(error instanceof NoSuchTableError)) throw error;
      return new Map();
    }
  }

  /** What a committer of this table commits with: the catalog, storage and the sink's retry and timing. */
  get access() {
    const { catalog, io, id, pipelineId, stages, maxCommitAttempts } = this.options;
    return { catalog, io, id, pipelineId, stages, maxCommitAttempts };
  }

  private time<T>(stage: 'take' | 'encode' | 'upload' | 'commit', work: () => Promise<T>): Promise<T> {
    return this.options.stages === undefined ? work() : this.options.stages.time(stage, work);
  }

  /** The engine writes what it holds as Parquet; the files go to storage and wait for the commit. */
  private async storeHeldRows(): Promise<void> {
    const writer = this.requireWriter();
    const metadata = (this.table as LoadedTable).metadata;
    const spec = this.writerSpec as PartitionSpec;
    if (this.storedSpec !== undefined && this.storedSpec.specId !== spec.specId && this.stored.length > 0) {
      throw new FencedError(`${this.name}: the partition spec changed while files waited for a commit`);
    }
    const target = targetFileSize(metadata.properties, this.options.targetFileSizeBytes);
    if (writer.bufferedRows > 0)
      this.unstored.push(...(await this.time('encode', () => writer.flush(target))));
    if (this.unstored.length === 0) return;
    const prefix = randomUUID();
    let index = 0;
    const storage: DataFileTarget = {
      io: this.options.io,
      schema: this.requireSchema(),
      spec,
      dataLocation: metadata.properties['write.data.path'] ?? `${metadata.location}/data`,
      filePrefix: prefix,
      nextIndex: () => index++,
      onWritten: () => {},
      targetFileSizeBytes: target,
    };
    this.storedSpec = spec;
    const uploads = await this.time('upload', () =>
      Promise.allSettled(this.unstored.map((f) => storeDataFile(storage, f, f.partition))),
    );
    const failed = uploads.flatMap((u, i) => (u.status === 'rejected' ? [i] : []));
    uploads.forEach((u, i) => {
      if (u.status !== 'fulfilled') return;
      this.stored.push(u.value);
      this.options.changes?.written(this.unstored[i] as WrittenDataFile, u.value, this.requireSchema());
    });
    const firstFailure = uploads.find((u) => u.status === 'rejected');
    this.unstored = failed.map((i) => this.unstored[i] as WrittenDataFile);
    if (firstFailure !== undefined) throw firstFailure.reason;
  }

  private async deleteStored(): Promise<void> {
    const files = this.stored;
    this.stored = [];
    await Promise.allSettled(files.map((f) => this.options.io.delete(f.filePath)));
  }

  private offsetsSummary(
    parent: Snapshot | undefined,
    metadata: TableMetadata,
    buffers: [string, PartitionBuffer][],
  ): Record<string, string> {
    const next = chainRanges(
      tableOffsets(metadata, this.options.pipelineId),
      buffers.map(([key, b]) => ({ key, from: b.base, to: b.nextOffset })),
    );
    if (!(next instanceof Map)) {
      throw new FencedError(
        `${this.name}: another writer committed ${next.moved.join(', ')} since these rows were read; they are read again`,
      );
    }
    return { ...carriedOffsets(parent), [offsetsKey(this.options.pipelineId)]: encodeOffsets(next) };
  }

  /**
   * Commits the locally grown schema. When another writer changed the schema first, the rows held
   * (fitted to a schema whose new field ids may clash with theirs) are read again: FencedError.
   */
  private async commitSchema(): Promise<void> {
    const pending = this.pendingSchema;
    if (pending === undefined) return;
    try {
      const table = await (await this.schemaUpdate(pending, [])).commit();
      // The committed schema holds every change made here: it replaces the local one.
      this.pendingSchema = undefined;
      this.schema = undefined;
      this.useTable(table);
    } catch (error) {
      if (!(error instanceof ConcurrentSchemaChangeError || error instanceof CommitFailedError)) throw error;
      this.table = await this.options.catalog.loadTable(this.options.id);
      throw new FencedError(`${this.name}: another writer changed the schema; the rows held are read again`);
    }
  }

  /**
   * Record `index` of the batch needs a schema change before it fits (the engine said so): the change
   * is worked out from the record's own types and made locally. Returns the record's rejection when
   * it cannot be read or fitted after all.
   */
  private async evolveFor(batch: RawBatch, index: number): Promise<RejectedRecord | undefined> {
    let value: TypedValue;
    try {
      value = await this.options.read(recordOf(batch, index));
    } catch (error) {
      if (!(error instanceof RecordRejectedError)) throw error;
      return { index, reason: error.reason, message: error.message };
    }
    const schema = this.requireSchema();
    const fit = fitRecord({ type: 'struct', fields: schema.fields }, value, this.options.policy);
    if (!('changes' in fit)) {
      throw new Error(
        `${this.name}: the ${this.writer?.engine} engine asked for a schema change that record ${batch.topic}/${batch.partition}@${batch.offset(index)} does not need`,
      );
    }
    const pending = this.pendingSchema ?? { table: this.table as LoadedTable, steps: [] };
    const update = await this.schemaUpdate(pending, fit.changes);
    this.pendingSchema = { table: pending.table, steps: [...pending.steps, fit.changes] };
    // The engine tells the rows it holds apart by schema id: each local step needs an id of its own.
    this.schema = { ...update.apply().schema, schemaId: schema.schemaId + 1 };
    this.requireWriter().setSchema(this.schema);
    return undefined;
  }

  /** The table's schema update holding the pending steps and then `next` (which fails alone, keeping nothing). */
  private async schemaUpdate(pending: PendingSchema, next: readonly SchemaChange[]): Promise<UpdateSchema> {
    const update = await UpdateSchema.start(this.options.catalog, pending.table, {
      // Rows held carry the new field ids: the schema cannot be made again on another writer's.
      onConcurrentChange: 'fail',
      ...(this.options.maxCommitAttempts !== undefined && { maxAttempts: this.options.maxCommitAttempts }),
    });
    for (const step of [...pending.steps, next]) applySchemaChanges(update, step);
    return update;
  }

  private buffer(key: string, record: { topic: string; partition: number }): PartitionBuffer {
    let buffer = this.buffers.get(key);
    if (buffer === undefined) {
      const base = this.committed.get(key);
      buffer = {
        topic: record.topic,
        partition: record.partition,
        records: 0,
        base,
        nextOffset: base ?? 0n,
        newestRecordMs: null,
      };
      this.buffers.set(key, buffer);
    }
    return buffer;
  }

  private useTable(table: LoadedTable): void {
    this.table = table;
    const schema = currentSchema(table.metadata);
    // A schema grown locally and not yet committed stays the one records are fitted to.
    if (this.schema === undefined || this.schema.schemaId <= schema.schemaId) {
      this.schema = schema;
      const spec = this.specOf(table.metadata);
      // Another spec became the default (a re-partitioning cutover): rows from now on follow it.
      const respec = this.writerSpec?.specId !== spec.specId && !this.holdsRows();
      if (this.writer === undefined || respec) {
        this.writer = this.options.writerFor(schema, spec);
        this.writerSpec = spec;
      } else this.writer.setSchema(schema);
    }
  }

  /** The spec data files are written in: the one asked for, else the table's default. */
  private specOf(metadata: TableMetadata): PartitionSpec {
    const { specId } = this.options;
    if (specId === undefined) return defaultSpec(metadata);
    const spec = metadata.partitionSpecs.find((s) => s.specId === specId);
    if (spec === undefined) throw new Error(`${this.name} has no partition spec ${specId}`);
    return spec;
  }

  private holdsRows(): boolean {
    return (
      (this.writer?.bufferedRows ?? 0) > 0 ||
      this.unstored.length > 0 ||
      this.stored.length > 0 ||
      (this.options.changes?.size ?? 0) > 0
    );
  }

  private requireWriter(): TableWriter {
    if (this.writer === undefined) throw new Error(`${this.name}: the table is not loaded or created yet`);
    return this.writer;
  }

  private requireSchema(): Schema {
    if (this.schema === undefined) throw new Error(`${this.name}: the table is not loaded or created yet`);
    return this.schema;
  }
}

/** A keyed table's first schema: the key fields are required, and its identifier fields. */
function keyedSchema(types: StructType[], changes: ChangeSet): Schema {
  const fields = mergeStructs(types).fields.map((f) =>
    changes.keyNames.includes(f.name) ? { ...f, required: true } : f,
  );
  const schema = newSchema(fields, { identifierFields: changes.keyNames });
  changes.keys(schema); // a key field of a type that cannot be a key fails here, by name
  return schema;
}
