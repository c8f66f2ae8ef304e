import type { PipelineSpec } from '@floe/protocol';
import { RecordRejectedError } from '../decode/decoded';
import { listBatch, type RawBatch, type RawRecord } from '../engine/engine';
import { type RecordReader, recordOf } from '../engine/read-record';
import type { OffsetMap } from './offsets';
import type { CommitOutcome, TableSink } from './table-sink';

type Routing = NonNullable<PipelineSpec['routing']>;

/**
 * The tables one pipeline writes: its own table, and with fan-out routing one per route. Each table
 * keeps its own offsets (a table holds every record of a partition below its offset that routes to
 * it), so each record is skipped or taken per table, and every table's position moves past every
 * record — also those routed elsewhere — so its offsets never hold the pipeline back.
 */
export class SinkSet {
  constructor(
    private readonly sinks: ReadonlyMap<string, TableSink>,
    private readonly defaultTable: string,
    private readonly routing: Routing | undefined,
  ) {}

  get all(): TableSink[] {
    return [...this.sinks.values()];
  }

  /** The sink of one of the pipeline's tables, by its name. */
  get(name: string): TableSink | undefined {
    return this.sinks.get(name);
  }

  get names(): string {
    return [...this.sinks.keys()].join(', ');
  }

  /**
   * Splits a batch of one topic-partition by table: each record goes to the table its routing field
   * or header names (else the pipeline's own), and to no table that already holds it. A record whose
   * routing field cannot be read goes to the pipeline's own table, whose engine rejects it with the reason.
   */
  async split(key: string, batch: RawBatch, read: RecordReader): Promise<Map<TableSink, RawBatch>> {
    if (batch.length === 0) return new Map();
    if (this.routing === undefined) {
      // Records the table holds are the first ones (a batch is in offset order): skip past them.
      let first = 0;
      while (first < batch.length && this.holds(this.own, key, batch.offset(first))) first += 1;
      return new Map(first === batch.length ? [] : [[this.own, first === 0 ? batch : batch.slice(first)]]);
    }
    const byTable = new Map<TableSink, RawRecord[]>();
    for (let i = 0; i < batch.length; i += 1) {
      const sink = await this.route(this.routing, batch, i, read);
      if (this.holds(sink, key, batch.offset(i))) continue;
      const list = byTable.get(sink) ?? [];
      list.push(batch.record(i));
      byTable.set(sink, list);
    }
    return new Map(
      [...byTable].map(([sink, records]) => [sink, listBatch(batch.topic, batch.partition, records)]),
    );
  }

  private get own(): TableSink {
    return this.sinks.get(this.defaultTable) as TableSink;
  }

  private async route(
    routing: Routing,
    batch: RawBatch,
    index: number,
    read: RecordReader,
  ): Promise<TableSink> {
    const record = recordOf(batch, index);
    let key: string | undefined;
    if (routing.header !== undefined) {
      key = record.headers.find((h) => h.key === routing.header)?.value?.toString('utf8');
    } else {
      try {
        const v = (await read(record)).row[routing.field as string];
        key = v === null || v === undefined ? undefined : String(v);
      } catch (error) {
        if (!(error instanceof RecordRejectedError)) throw error;
      }
    }
    const table = (key !== undefined && routing.routes[key]) || this.defaultTable;
    return this.sinks.get(table) as TableSink;
  }

  /**
   * Reads every table. Per partition: where reading resumes (the lowest offset the tables hold), or,
   * when some table holds nothing of the partition although others do, nothing — that table may
   * still lack records below the others' offsets (a crash between two tables' commits), so reading
   * starts over from the pipeline's start position and each table skips what it holds.
   */
  async load(): Promise<OffsetMap> {
    const loaded = await Promise.all(this.all.map((s) => s.load()));
    const resume: OffsetMap = new Map();
    for (const key of new Set(loaded.flatMap((offsets) => [...offsets.keys()]))) {
      const offsets = loaded.map((o) => o.get(key));
      if (offsets.some((o) => o === undefined)) continue;
      resume.set(
        key,
        // biome-ignore lint/complexity/useMathMinMax: bigints (Math.min takes numbers only)
        (offsets as bigint[]).reduce((a, b) => (b < a ? b : a)),
      );
    }
    return resume;
  }

  /** Whether some table holds offsets of the partition (then the consumer group's own offsets are not to be trusted). */
  heldByAny(key: string): boolean {
    return this.all.some((s) => s.committedOffset(key) !== undefined);
  }

  /** Per partition the tables hold, the lowest of their offsets (lag is measured from there). */
  lowestCommitted(): OffsetMap {
    const lowest: OffsetMap = new Map();
    for (const sink of this.all) {
      for (const [key, offset] of sink.committedOffsets) {
        const before = lowest.get(key);
        if (before === undefined || offset < before) lowest.set(key, offset);
      }
    }
    return lowest;
  }

  /** Whether the sink already holds this record (it routes there and is below that table's offset). */
  holds(sink: TableSink, key: string, offset: bigint): boolean {
    const committed = sink.committedOffset(key);
    return committed !== undefined && offset < committed;
  }

  /** Moves every table past the record, except a table already past it. */
  advance(key: string, record: { topic: string; partition: number; offset: bigint }): void {
    for (const sink of this.all) if (!this.holds(sink, key, record.offset)) sink.advance(key, record);
  }

  /** Forgets what is held for these partitions; true when a table had to forget everything (see TableSink.drop). */
  drop(keys: Iterable<string>): boolean {
    const list = [...keys];
    let all = false;
    for (const sink of this.all) all = sink.drop(list) || all;
    if (all) this.dropAll();
    return all;
  }

  dropAll(): void {
    for (const sink of this.all) sink.dropAll();
  }

  get bufferedRows(): number {
    return this.all.reduce((n, s) => n + s.bufferedRows, 0);
  }

  /** Commits each table that holds rows, one after the other; the first fencing error stops the rest. */
  async commit(): Promise<CommitOutcome[]> {
    const outcomes: CommitOutcome[] = [];
    for (const sink of this.all) {
      const outcome = await sink.commit();
      if (outcome !== undefined) outcomes.push(outcome);
    }
    return outcomes;
  }
}
