import {
  AlreadyExistsError,
  type Catalog,
  CommitFailedError,
  currentSchema,
  FastAppend,
  type FileIO,
  type LoadedTable,
  NoSuchTableError,
  newSchema,
  type ParquetWriteOptions,
  PartitionSpecBuilder,
  parseTransform,
  type Row,
  type Schema,
  type Snapshot,
  type StructType,
  type TableIdentifier,
  type TableMetadata,
  tableName,
} from '@floe/iceberg';
import type { TypedValue } from '../decode/decoded';
import { fitRecord, type SchemaPolicy } from '../fit/fit-record';
import { mergeStructs } from '../fit/merge-types';
import { applySchemaChanges } from '../fit/schema-changes';
import { carriedOffsets, encodeOffsets, type OffsetMap, offsetsKey, tableOffsets } from './offsets';

export interface TableSinkOptions {
  catalog: Catalog;
  io: FileIO;
  id: TableIdentifier;
  pipelineId: string;
  policy: SchemaPolicy;
  /** Partition fields of a table the sink creates, e.g. `{ source: 'event_ts', transform: 'day' }`. */
  partitionBy: readonly { source: string; transform: string }[];
  /** Location of a table the sink creates; the catalog chooses when unset. */
  location?: string;
  parquet?: ParquetWriteOptions;
  /** Data files are cut near this size in storage (default: the table's write.target-file-size-bytes, else 128 MiB). */
  targetFileSizeBytes?: number;
  maxCommitAttempts?: number;
}

/**
 * Another writer committed offsets for a partition this sink holds rows for: its rows are stale (a
 * zombie after a rebalance, or a second worker) and must be dropped and read again from the table's
 * offsets. This is Floe's fencing: a commit for a partition only lands if the table still holds the
 * offset the rows were read from.
 */
export class FencedError extends Error {
  override name = 'FencedError';
}

export interface PartitionCommit {
  topic: string;
  partition: number;
  nextOffset: bigint;
  records: number;
  newestRecordMs: bigint | null;
}

export interface CommitOutcome {
  /** The table's name (namespace.table). */
  table: string;
  snapshotId: bigint;
  committedAtMs: number;
  records: number;
  bytes: number;
  dataFiles: number;
  partitions: PartitionCommit[];
  /** The pipeline's offsets as the table holds them after this commit. */
  offsets: OffsetMap;
}

interface PartitionBuffer {
  topic: string;
  partition: number;
  /** Each row with the schema it was fitted to, to re-fit it when the table's schema moved on since. */
  rows: { row: Row; schema: Schema }[];
  /** The partition's offset in the table when its first row here was read: the commit requires it unchanged. */
  base: bigint | undefined;
  /** The offset after the last record taken (good or dead-lettered). */
  nextOffset: bigint;
  newestRecordMs: bigint | null;
}

/**
 * One pipeline's rows for one table, held per topic-partition until committed as one Iceberg append
 * whose summary carries the pipeline's next offsets. Records are fitted to the table's schema when
 * taken (a record that cannot be fitted is thrown back, for the dead letters); under `evolve` the
 * schema grows locally and is committed just before the rows.
 */
export class TableSink {
  private table: LoadedTable | undefined;
  private schema: Schema | undefined;
  private lastColumnId = 0;
  private readonly buffers = new Map<string, PartitionBuffer>();
  /** What the table held for this pipeline when last read or committed: the base of every buffered partition. */
  private committed: OffsetMap = new Map();

  constructor(private readonly options: TableSinkOptions) {}

  get name(): string {
    return tableName(this.options.id);
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

  /** Creates the table from the first records' types (all of them, not just one), unless another writer did. */
  async create(first: readonly TypedValue[]): Promise<void> {
    const { catalog, id, partitionBy, location } = this.options;
    const schema = newSchema(mergeStructs(first.map((v) => v.type)).fields);
    const spec = new PartitionSpecBuilder(schema);
    for (const field of partitionBy) spec.add(field.source, parseTransform(field.transform));
    try {
      this.useTable(
        await catalog.createTable(id.namespace, {
          name: id.name,
          schema,
          partitionSpec: spec.build(),
          ...(location !== undefined && { location }),
          properties: { 'format-version': '2', 'write.parquet.compression-codec': 'zstd' },
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
   * Fits a record and holds its row; throws RecordRejectedError when it cannot be fitted (the caller
   * dead-letters it and still calls `advance`).
   */
  take(
    key: string,
    record: { topic: string; partition: number; timestampMs: bigint },
    value: TypedValue,
  ): void {
    const schema = this.requireSchema();
    let fit = fitRecord(structOf(schema), value, this.options.policy);
    if ('changes' in fit) {
      this.evolve(applySchemaChanges(schema, this.lastColumnId, fit.changes));
      fit = fitRecord(structOf(this.requireSchema()), value, this.options.policy);
      if ('changes' in fit)
        throw new Error(`${this.name}: schema change did not take: ${JSON.stringify(fit.changes)}`);
    }
    const buffer = this.buffer(key, record);
    buffer.rows.push({ row: fit.row, schema: this.requireSchema() });
    if (buffer.newestRecordMs === null || record.timestampMs > buffer.newestRecordMs) {
      buffer.newestRecordMs = record.timestampMs;
    }
  }

  /** Moves a partition's next offset past a record, whether its row was taken or dead-lettered. */
  advance(key: string, record: { topic: string; partition: number; offset: bigint }): void {
    this.buffer(key, record).nextOffset = record.offset + 1n;
  }

  get bufferedRows(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.rows.length;
    return n;
  }

  /** Forgets what is held for these partitions (they moved to another worker, or were fenced). */
  drop(keys: Iterable<string>): void {
    for (const key of keys) this.buffers.delete(key);
  }

  dropAll(): void {
    this.buffers.clear();
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
    const all = [...this.buffers.entries()];
    const { catalog, io, id, pipelineId } = this.options;
    const append = await FastAppend.start(catalog, io, id, {
      allowEmpty: true,
      summary: (parent, metadata) => this.offsetsSummary(parent, metadata, all),
      ...(this.options.parquet !== undefined && { parquet: this.options.parquet }),
      ...(this.options.targetFileSizeBytes !== undefined && {
        targetFileSizeBytes: this.options.targetFileSizeBytes,
      }),
      ...(this.options.maxCommitAttempts !== undefined && { maxAttempts: this.options.maxCommitAttempts }),
    });
    // Rows go in the form of the table's schema now (another writer's change may have come first).
    const target = currentSchema((this.table as LoadedTable).metadata);
    const rows = all.flatMap(([, b]) => b.rows.map((r) => this.refit(r, target)));
    if (rows.length > 0) await append.addRows(rows);
    const result = await append.commit();
    this.useTable(result.table);
    this.committed = tableOffsets(result.table.metadata, pipelineId);
    this.buffers.clear();
    return {
      table: this.name,
      snapshotId: result.snapshotId,
      committedAtMs: Date.now(),
      records: rows.length,
      bytes: result.dataFiles.reduce((n, f) => n + Number(f.fileSizeInBytes), 0),
      dataFiles: result.dataFiles.length,
      partitions: all.map(([, b]) => ({
        topic: b.topic,
        partition: b.partition,
        nextOffset: b.nextOffset,
        records: b.rows.length,
        newestRecordMs: b.newestRecordMs,
      })),
      offsets: this.committed,
    };
  }

  private offsetsSummary(
    parent: Snapshot | undefined,
    metadata: TableMetadata,
    buffers: [string, PartitionBuffer][],
  ): Record<string, string> {
    const inTable = tableOffsets(metadata, this.options.pipelineId);
    const moved = buffers.filter(([key, b]) => inTable.get(key) !== b.base).map(([key]) => key);
    if (moved.length > 0) {
      throw new FencedError(
        `${this.name}: another writer committed ${moved.join(', ')} since these rows were read; they are read again`,
      );
    }
    const next = new Map(inTable);
    for (const [key, b] of buffers) next.set(key, b.nextOffset);
    return { ...carriedOffsets(parent), [offsetsKey(this.options.pipelineId)]: encodeOffsets(next) };
  }

  /** Commits the locally grown schema; when another writer changed the schema first, grows theirs instead. */
  private async commitSchema(): Promise<void> {
    const { catalog, id } = this.options;
    for (let attempt = 1; ; attempt += 1) {
      const table = this.table as LoadedTable;
      const base = currentSchema(table.metadata);
      const local = this.requireSchema();
      if (local.schemaId === base.schemaId) return;
      try {
        this.useTable(
          await catalog.updateTable(
            id,
            [
              { type: 'assert-current-schema-id', currentSchemaId: base.schemaId },
              { type: 'assert-last-assigned-field-id', lastAssignedFieldId: table.metadata.lastColumnId },
            ],
            [
              { action: 'add-schema', schema: local, lastColumnId: this.lastColumnId },
              { action: 'set-current-schema', schemaId: -1 },
            ],
          ),
        );
        return;
      } catch (error) {
        if (!(error instanceof CommitFailedError) || attempt >= 5) throw error;
        // Someone else changed the schema: grow theirs with what our rows need.
        const localStruct = structOf(local);
        this.useTable(await catalog.loadTable(id));
        for (const b of this.buffers.values()) {
          for (const r of b.rows) {
            const fit = fitRecord(
              structOf(this.requireSchema()),
              { type: localStruct, row: r.row },
              'evolve',
            );
            if ('changes' in fit)
              this.evolve(applySchemaChanges(this.requireSchema(), this.lastColumnId, fit.changes));
          }
        }
      }
    }
  }

  /** A held row in the form of the schema the append writes with (the same one, nearly always). */
  private refit(held: { row: Row; schema: Schema }, target: Schema): Row {
    if (held.schema === target || sameColumns(held.schema, target)) return held.row;
    const fit = fitRecord(
      structOf(target),
      { type: structOf(held.schema), row: held.row },
      'ignore-new-fields',
    );
    if ('changes' in fit)
      throw new Error(`${this.name}: the table's schema changed during the commit; retrying`);
    return fit.row;
  }

  private buffer(key: string, record: { topic: string; partition: number }): PartitionBuffer {
    let buffer = this.buffers.get(key);
    if (buffer === undefined) {
      const base = this.committed.get(key);
      buffer = {
        topic: record.topic,
        partition: record.partition,
        rows: [],
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
      this.lastColumnId = table.metadata.lastColumnId;
    }
  }

  private evolve(result: { schema: Schema; lastColumnId: number }): void {
    this.schema = result.schema;
    this.lastColumnId = result.lastColumnId;
  }

  private requireSchema(): Schema {
    if (this.schema === undefined) throw new Error(`${this.name}: the table is not loaded or created yet`);
    return this.schema;
  }
}

const columnsJson = new WeakMap<Schema, string>();

/** Whether two schemas have the same columns (the usual case: the local schema just committed). */
function sameColumns(a: Schema, b: Schema): boolean {
  const json = (s: Schema) => {
    let text = columnsJson.get(s);
    if (text === undefined) {
      text = JSON.stringify(s.fields);
      columnsJson.set(s, text);
    }
    return text;
  };
  return json(a) === json(b);
}

function structOf(schema: Schema): StructType {
  return { type: 'struct', fields: schema.fields };
}
