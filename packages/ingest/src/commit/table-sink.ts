import {
  AlreadyExistsError,
  type Catalog,
  CommitFailedError,
  ConcurrentSchemaChangeError,
  currentSchema,
  defaultSpec,
  type FileIO,
  type LoadedTable,
  NoSuchTableError,
  type PartitionSpec,
  PartitionSpecBuilder,
  parseTransform,
  type Schema,
  type TableIdentifier,
  type TableMetadata,
  tableName,
  targetFileSize,
  type UpdateSchema,
} from '@floe/iceberg';
import type { ChangeSet } from '../changes/change-set';
import type { RawBatch, RejectedRecord, TableWriter } from '../engine/engine';
import type { RecordReader } from '../engine/read-record';
import type { SchemaChange, SchemaPolicy } from '../fit/fit-record';
import type { StageClock } from '../pipeline/metrics';
import type { Handover } from './handover';
import { HeldPartitions } from './held-partitions';
import { type OffsetMap, tableOffsets } from './offsets';
import { commitSnapshot } from './snapshot-commit';
import { StoredFiles } from './stored-files';
import { type CommitOutcome, FencedError, summaryOf } from './table-commit';
import { changesFor, firstSchema, type PendingSchema, schemaUpdate } from './table-schema';

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
  /** Per partition, the offset range held since the last commit and the table's offsets it starts from. */
  private readonly held: HeldPartitions;
  /** Files written and not committed yet (an upload or a commit failed: they are retried). */
  private readonly files: StoredFiles;

  constructor(private readonly options: TableSinkOptions) {
    this.held = new HeldPartitions(options.pipelineId, tableName(options.id));
    this.files = new StoredFiles(options.io, (stage, work) => this.time(stage, work), options.changes);
  }

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
      this.held.committed = tableOffsets(table.metadata, this.options.pipelineId);
    } catch (error) {
      if (!(error instanceof NoSuchTableError)) throw error;
      this.held.committed = new Map();
    }
    return this.held.committed;
  }

  get exists(): boolean {
    return this.table !== undefined;
  }

  /** Creates the table from the types of a batch's records (all of them, not just one), unless another writer did. */
  async create(batch: RawBatch): Promise<void> {
    const { catalog, id, partitionBy, location, changes } = this.options;
    const schema = await firstSchema(batch, this.options.read, changes);
    if (schema === undefined) return; // every record is bad: they are rejected when taken, no table yet
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
    return this.held.committed;
  }

  /** The next offset the table holds for a partition, if the pipeline ever committed it. */
  committedOffset(key: string): bigint | undefined {
    return this.held.committed.get(key);
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
    if (batch.length > 0) this.held.buffer(key, batch).nextOffset = batch.offset(batch.length - 1) + 1n;
    return { batch, rejected };
  }

  /** Takes rows read before (a change's row, at the commit) without counting them or moving the offsets again. */
  private async takeAgain(key: string, rows: RawBatch): Promise<RejectedRecord[]> {
    const buffer = this.held.buffer(key, rows);
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
    const buffer = this.held.buffer(key, batch);
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
    this.held.buffer(key, record).nextOffset = record.offset + 1n;
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
    const list = [...keys].filter((key) => this.held.has(key));
    if (list.length === 0) return false;
    if (this.files.holds || this.options.changes?.pending) {
      this.dropAll();
      return true;
    }
    for (const key of list) this.held.delete(key);
    this.writer?.drop(list);
    this.options.changes?.drop(list);
    return false;
  }

  /** Forgets everything held, and a schema grown locally and not committed. */
  dropAll(): void {
    this.held.clear();
    this.writer?.clear();
    this.options.changes?.clear();
    this.files.discard();
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
    if (this.held.size === 0 || !this.exists) return undefined;
    await this.commitSchema();
    await this.options.changes?.materialize((key, rows) => this.takeAgain(key, rows));
    await this.storeHeldRows();
    const all = this.held.snapshot();
    const { catalog, io, id, pipelineId, changes, maxCommitAttempts } = this.options;
    const result = await commitSnapshot({
      catalog,
      io,
      id,
      ...(maxCommitAttempts !== undefined && { maxCommitAttempts }),
      ...(changes !== undefined && { changes }),
      schema: this.requireSchema(),
      files: this.files.files,
      spec: this.files.spec,
      summary: (parent, metadata) => this.held.summary(parent, metadata, all),
      time: (stage, work) => this.time(stage, work),
    });
    const files = this.files.takeAll();
    this.useTable(result.table);
    this.held.committed = tableOffsets(result.table.metadata, pipelineId);
    this.held.clear();
    return {
      table: this.name,
      snapshotId: result.snapshotId,
      committedAtMs: Date.now(),
      records: files.reduce((n, f) => n + Number(f.recordCount), 0),
      bytes: files.reduce((n, f) => n + Number(f.fileSizeInBytes), 0),
      dataFiles: files.length,
      deleteFiles: result.deleteFiles.length,
      tableTotals: summaryOf(result.table.metadata, result.snapshotId),
      partitions: HeldPartitions.commits(all),
      offsets: this.held.committed,
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
    if (this.held.size === 0 || !this.exists) return undefined;
    if (this.options.changes !== undefined)
      throw new Error(`${this.name}: keyed changes are committed by their member`);
    await this.commitSchema();
    await this.storeHeldRows();
    const specId = (this.files.spec ?? (this.writerSpec as PartitionSpec)).specId;
    return {
      table: this.options.id.name,
      specId,
      files: this.files.takeAll(),
      ranges: this.held.handOver(),
    };
  }

  /** Marks a partition's records below `offset` as handed over: the next range taken starts there. */
  handedOver(key: string, offset: bigint): void {
    this.held.committed.set(key, offset);
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
    const metadata = (this.table as LoadedTable).metadata;
    await this.files.store(
      this.name,
      this.requireWriter(),
      metadata,
      this.writerSpec as PartitionSpec,
      this.requireSchema(),
      targetFileSize(metadata.properties, this.options.targetFileSizeBytes),
    );
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
   * is made locally. Returns the record's rejection when it cannot be read or fitted after all.
   */
  private async evolveFor(batch: RawBatch, index: number): Promise<RejectedRecord | undefined> {
    const schema = this.requireSchema();
    const { read, policy } = this.options;
    const fit = await changesFor(this.name, this.writer?.engine, batch, index, schema, read, policy);
    if ('rejected' in fit) return fit.rejected;
    const pending = this.pendingSchema ?? { table: this.table as LoadedTable, steps: [] };
    const update = await this.schemaUpdate(pending, fit.changes);
    this.pendingSchema = { table: pending.table, steps: [...pending.steps, fit.changes] };
    // The engine tells the rows it holds apart by schema id: each local step needs an id of its own.
    this.schema = { ...update.apply().schema, schemaId: schema.schemaId + 1 };
    this.requireWriter().setSchema(this.schema);
    return undefined;
  }

  private schemaUpdate(pending: PendingSchema, next: readonly SchemaChange[]): Promise<UpdateSchema> {
    return schemaUpdate(this.options.catalog, pending, next, this.options.maxCommitAttempts);
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
    return (this.writer?.bufferedRows ?? 0) > 0 || this.files.holds || (this.options.changes?.size ?? 0) > 0;
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
