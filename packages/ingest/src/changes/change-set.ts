import {
  batchRows,
  committedSince,
  type DataFile,
  type FileIO,
  type LoadedTable,
  type PositionDeletes,
  parquetBatches,
  type Row,
  type Schema,
} from '@floe/iceberg';
import type { PipelineSpec } from '@floe/protocol';
import { parseTpKey } from '../commit/offsets';
import { RecordRejectedError } from '../decode/decoded';
import {
  listBatch,
  type RawBatch,
  type RawRecord,
  type RejectedRecord,
  type WrittenDataFile,
} from '../engine/engine';
import type { RecordReader } from '../engine/read-record';
import { KeyColumns } from './change-key';
import type { ChangeReader } from './debezium';
import { KeyIndex, type RowLocation } from './key-index';
import { loadKeyIndex, saveKeyIndex } from './key-index-store';

/** How often the key index is stored beside the table, at most (the first commit of a process stores it). */
const KEY_INDEX_STORE_MS = 5 * 60_000;

export type ChangeMode = Exclude<PipelineSpec['changes'], { mode: 'append' }>;

/** A key's latest change in the pending commit: its new row (the record whose value is the row), or its deletion. */
type Change = { key: string; offset: bigint; row: RawRecord | null };

/** One record read as changes: a delete of its old key when the key changed, then its new row or deletion. */
interface RecordChanges {
  index: number;
  changes: Change[];
}

/** Takes a batch of rows into the engine's writer and returns the records it rejected (indices into that batch). */
export type TakeRows = (rows: RawBatch) => Promise<readonly RejectedRecord[]>;

/**
 * The changes an upsert or CDC pipeline holds for one table until its next commit, and what that
 * commit deletes. Per key only the latest change in offset order is kept (a key lives in one Kafka
 * partition; a key seen in two within one commit is rejected). At the commit the surviving rows are
 * written as data files, and the rows they replace — in the table (found through the key index) or
 * in files written for this same commit — become position deletes in the same snapshot (deletion
 * vectors on a v3 table, position delete files on v2), which every reader applies. Nothing is applied to the index until the commit lands.
 */
export class ChangeSet {
  /** The latest change per key per Kafka partition, taken since the last commit. */
  private held = new Map<string, Map<string, Change>>();
  private partitionOf = new Map<string, string>();
  /** Keys whose rows in the table the pending commit deletes (their new rows, if any, are in pendingRows). */
  private touched = new Set<string>();
  /** Rows written for the pending commit, by key. */
  private pendingRows = new Map<string, RowLocation>();
  /** Rows written for the pending commit that a later change replaced (deleted by position like any other). */
  private pendingDeletes: RowLocation[] = [];
  private index: KeyIndex | undefined;
  private columns: { schemaId: number; keys: KeyColumns } | undefined;
  private storedAt = Number.NEGATIVE_INFINITY;
  private storing = false;

  constructor(
    private readonly mode: ChangeMode,
    private readonly table: string,
    private readonly read: RecordReader,
    private readonly io: FileIO,
    /** CDC: how the pipeline's Debezium events are read. */
    private readonly events?: ChangeReader,
  ) {}

  get keyNames(): readonly string[] {
    return this.mode.key;
  }

  /** The format version of a table these changes create: v3 keeps deletes as deletion vectors, v2 as delete files. */
  get formatVersion(): 2 | 3 {
    return this.mode.deletes === 'deletion-vectors' ? 3 : 2;
  }

  /** Whether the table's rows are replaced by equality deletes on the key (no key index then). */
  get byEquality(): boolean {
    return this.mode.deletes === 'equality-deletes';
  }

  /**
   * The equality deletes of the pending commit: one row of key values per key it changes, deleting the
   * key's rows committed before (its new row, in the same snapshot, is not older, so it stays).
   */
  equalityDeletes(schema: Schema): { schema: Schema; rows: Row[] } {
    const keys = this.keys(schema);
    return { schema: keys.schema(), rows: [...this.touched].map((key) => keys.valuesOf(key)) };
  }

  /** Changes held (not yet written). */
  get size(): number {
    let n = 0;
    for (const changes of this.held.values()) n += changes.size;
    return n;
  }

  /** Whether a commit is under way (rows written, deletes planned): dropping part of it is not possible. */
  get pending(): boolean {
    return this.touched.size > 0;
  }

  /** The key columns of `schema`, which must have them (the table's identifier fields). */
  keys(schema: Schema): KeyColumns {
    if (this.columns?.schemaId !== schema.schemaId) {
      this.columns = { schemaId: schema.schemaId, keys: new KeyColumns(schema, this.mode.key, this.table) };
    }
    return this.columns.keys;
  }

  /** The records of a batch that carry a row, as rows (a CDC event's after image): a new table's schema comes from them. */
  rowRecords(batch: RawBatch): RawBatch {
    const rows: RawRecord[] = [];
    for (let i = 0; i < batch.length; i += 1) {
      const row = this.rowOf(batch.record(i));
      if (row !== null) rows.push(row);
    }
    return listBatch(batch.topic, batch.partition, rows);
  }

  /**
   * Reads a batch of one partition as changes, hands its rows to the engine (which may reject some:
   * a rejected record changes nothing) and holds the latest change per key. Returns the records rejected.
   */
  async take(
    partition: string,
    batch: RawBatch,
    schema: Schema,
    takeRows: TakeRows,
  ): Promise<RejectedRecord[]> {
    const keys = this.keys(schema);
    const rejected: RejectedRecord[] = [];
    const read: RecordChanges[] = [];
    for (let index = 0; index < batch.length; index += 1) {
      try {
        read.push({
          index,
          changes: await this.changesOf(batch.topic, batch.partition, batch.record(index), keys),
        });
      } catch (error) {
        if (!(error instanceof RecordRejectedError)) throw error;
        rejected.push({ index, reason: error.reason, message: error.message });
      }
    }
    const withRows = read.filter((r) => r.changes.some((c) => c.row !== null));
    const rows = withRows.map((r) => (r.changes.find((c) => c.row !== null) as Change).row as RawRecord);
    const refused = new Set<number>();
    for (const r of await takeRows(listBatch(batch.topic, batch.partition, rows))) {
      const record = withRows[r.index] as RecordChanges;
      refused.add(record.index);
      rejected.push({ ...r, index: record.index });
    }
    const held = this.held.get(partition) ?? new Map<string, Change>();
    this.held.set(partition, held);
    for (const record of read) {
      if (refused.has(record.index)) continue;
      const elsewhere = record.changes.find((c) => (this.partitionOf.get(c.key) ?? partition) !== partition);
      if (elsewhere !== undefined) {
        rejected.push({
          index: record.index,
          reason: 'bad-change',
          message: `key ${elsewhere.key} changed in ${this.partitionOf.get(elsewhere.key)} and ${partition} within one commit; a key must live in one Kafka partition`,
        });
        continue;
      }
      for (const change of record.changes) {
        held.delete(change.key); // re-inserted last: a partition's changes stay in offset order
        held.set(change.key, change);
        this.partitionOf.set(change.key, partition);
      }
    }
    return rejected.sort((a, b) => a.index - b.index);
  }

  /**
   * The start of a commit: every held change replaces its key's row (in the table or written for this
   * commit), and the new rows go to the engine's writer, in offset order per partition.
   */
  async materialize(
    takeRows: (partition: string, rows: RawBatch) => Promise<readonly RejectedRecord[]>,
  ): Promise<void> {
    for (const [partition, changes] of this.held) {
      const rows: RawRecord[] = [];
      for (const change of changes.values()) {
        const written = this.pendingRows.get(change.key);
        if (written !== undefined) {
          this.pendingDeletes.push(written);
          this.pendingRows.delete(change.key);
        }
        this.touched.add(change.key);
        if (change.row !== null) rows.push(change.row);
      }
      if (rows.length === 0) continue;
      const { topic, partition: kafkaPartition } = parseTpKey(partition);
      const refused = await takeRows(partition, listBatch(topic, kafkaPartition, rows));
      if (refused.length > 0) {
        throw new Error(`${this.table}: the engine refused a row it took before: ${refused[0]?.message}`);
      }
    }
    this.held.clear();
  }

  /** A data file written for the pending commit: its rows' keys are read back from its bytes, by position. */
  written(file: WrittenDataFile, stored: DataFile, schema: Schema): void {
    const keys = this.keys(schema);
    const keySchema = keys.schema();
    let pos = 0n;
    // The key columns alone: the file was just written with the schema's names.
    for (const batch of parquetBatches(file.bytes, keySchema, new Map(), keys.names)) {
      for (const row of batchRows(keySchema, batch)) {
        this.pendingRows.set(keys.ofValue(row, stored.filePath), { file: stored, pos });
        pos += 1n;
      }
    }
  }

  /**
   * The position deletes of the pending commit, planned on `table` (the index is read again from the
   * table when another writer committed since it was last kept).
   */
  async deletes(table: LoadedTable, schema: Schema): Promise<PositionDeletes[]> {
    const head = table.metadata.currentSnapshotId ?? undefined;
    // By equality only the rows written for this same commit are deleted by position (they are not older).
    if (this.byEquality) return positionsByFile(this.pendingDeletes);
    const keys = this.keys(schema);
    // At a start the index stored beside the table is read, if there is one; an index follows the
    // snapshots since its own, and only when it cannot is the table read again.
    this.index ??= await loadKeyIndex(this.io, table, keys);
    if (
      this.index === undefined ||
      (this.index.snapshotId !== head && !(await this.index.catchUp(this.io, table, keys)))
    ) {
      this.index = await KeyIndex.build(this.io, table, keys);
    }
    const index = this.index;
    return positionsByFile([
      ...this.pendingDeletes,
      ...[...this.touched].flatMap((key) => index.locations(key)),
    ]);
  }

  /**
   * The pending commit landed as `snapshotId`: the index takes its changes. Other writers' snapshots
   * between the one it was planned on and it are taken at the next commit's catch-up (which reads the
   * table again unless they are compactions).
   */
  committed(table: LoadedTable, snapshotId: bigint, plannedOn: bigint | undefined): void {
    const index = this.index;
    const snapshot = table.metadata.snapshots.find((s) => s.snapshotId === snapshotId);
    if (index !== undefined && index.snapshotId === plannedOn && snapshot !== undefined) {
      for (const key of this.touched) index.delete(key);
      for (const [key, row] of this.pendingRows) index.set(key, row);
      const parent = table.metadata.snapshots.find((s) => s.snapshotId === snapshot.parentSnapshotId);
      index.landedOn(committedSince(table.metadata, parent, plannedOn).reverse(), snapshotId);
      this.store(table, index);
    } else {
      this.index = undefined;
    }
    this.clearPending();
  }

  /**
   * Stores the index beside the table, at most every KEY_INDEX_STORE_MS and one at a time. Its bytes
   * are taken now; a failed upload leaves the one stored before (a cache: a start with none reads
   * the table).
   */
  private store(table: LoadedTable, index: KeyIndex): void {
    const snapshotId = index.snapshotId;
    if (this.storing || snapshotId === undefined || Date.now() - this.storedAt < KEY_INDEX_STORE_MS) return;
    this.storing = true;
    this.storedAt = Date.now();
    saveKeyIndex(this.io, table.metadata.location, snapshotId, index.serialize(this.mode.key))
      .catch(() => {})
      .finally(() => {
        this.storing = false;
      });
  }

  /** Forgets the changes held for these partitions (only while no commit is under way: see `pending`). */
  drop(partitions: readonly string[]): void {
    for (const partition of partitions) {
      for (const key of this.held.get(partition)?.keys() ?? []) this.partitionOf.delete(key);
      this.held.delete(partition);
    }
  }

  /** Forgets everything held and the pending commit (its files are removed by the sink). */
  clear(): void {
    this.held.clear();
    this.clearPending();
  }

  private clearPending(): void {
    this.partitionOf.clear();
    this.touched.clear();
    this.pendingRows.clear();
    this.pendingDeletes = [];
  }

  /** A record's changes: an upsert's value or tombstone, or a Debezium event (a key change deletes the old key). */
  private async changesOf(
    topic: string,
    partition: number,
    record: RawRecord,
    keys: KeyColumns,
  ): Promise<Change[]> {
    const { offset } = record;
    if (record.value === null) return [{ key: keys.ofKafkaKey(record.key), offset, row: null }];
    const keyOf = async (value: Buffer, what: string) =>
      keys.ofValue((await this.read({ topic, partition, ...record, value })).row, what);
    if (this.mode.mode === 'upsert')
      return [{ key: await keyOf(record.value, 'the value'), offset, row: record }];
    const event = await this.changeReader().read(topic, partition, record);
    let before: string | undefined;
    if (event.before !== null) {
      try {
        before = keys.ofValue(event.before, 'the before image');
      } catch {
        before = undefined;
      }
    }
    if (event.op === 'd') {
      return [{ key: before ?? keys.ofKafkaKey(record.key), offset, row: null }];
    }
    const row = event.after as RawRecord;
    const key = await keyOf(row.value as Buffer, 'the after image');
    const changes: Change[] = [];
    if (before !== undefined && before !== key) changes.push({ key: before, offset, row: null });
    changes.push({ key, offset, row });
    return changes;
  }

  private rowOf(record: RawRecord): RawRecord | null {
    if (record.value === null) return null;
    if (this.mode.mode === 'upsert') return record;
    return this.changeReader().rowOf(record);
  }

  private changeReader(): ChangeReader {
    if (this.events === undefined) throw new Error(`${this.table}: a CDC pipeline needs its change reader`);
    return this.events;
  }
}

function positionsByFile(rows: readonly RowLocation[]): PositionDeletes[] {
  const byFile = new Map<string, { dataFile: DataFile; positions: bigint[] }>();
  for (const { file, pos } of rows) {
    const entry = byFile.get(file.filePath) ?? { dataFile: file, positions: [] };
    entry.positions.push(pos);
    byFile.set(file.filePath, entry);
  }
  return [...byFile.values()];
}
