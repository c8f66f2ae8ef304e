import { setTimeout as sleep } from 'node:timers/promises';
import {
  addPartitionSpec,
  branchHead,
  type Catalog,
  FastAppend,
  type PartitionFieldRequest,
  retrying,
  type Snapshot,
  type SummaryProperties,
  type TableIdentifier,
  type TableMetadata,
} from '@floe/iceberg';
import { backfillRefusal, type PipelineSpec } from '@floe/protocol';
import type { Batch, Consumer, EachBatchPayload } from 'kafkajs';
import {
  carriedOffsets,
  decodeOffsets,
  encodeOffsets,
  type OffsetMap,
  offsetsKey,
  parseTpKey,
  tpKey,
} from '../commit/offsets';
import { FencedError, TableSink } from '../commit/table-sink';
import { DEFAULT_MAX_VALUE_BYTES } from '../decode/create-decoder';
import { tableWriters } from '../engine/choose-engine';
import { listBatch, type RawBatch } from '../engine/engine';
import { recordReader } from '../engine/read-record';
import { createKafka, type KafkaClient } from '../kafka/client';
import { kafkaFailure, kafkaSecurityOptions } from '../kafka/security';
import { RecordMapper } from '../mapping/map-record';
import { fetchedBatch } from '../pipeline/fetched-batch';
import type { PipelineHost } from '../pipeline/open-pipeline';
import { openTableAccess } from '../pipeline/table-access';
import { BranchView } from './branch-view';
import {
  DEAD_LETTERS_KEY,
  type OffsetRange,
  type RangeEnd,
  type RangeStart,
  rangeOf,
  rangeSize,
  rangeSummary,
  resolveRange,
} from './range';

export interface BackfillRequest {
  /** Names the branch (`backfill-<id>`), the consumer group and the offsets in the branch's snapshots. */
  backfillId: string;
  start: RangeStart;
  end: RangeEnd;
  /** Records per second at most (unset: as fast as it goes). */
  maxRecordsPerSecond?: number;
  /** Waits while the live pipeline is more than this many records behind (needs `liveLag`). */
  maxLiveLagRecords?: number;
  /** How often the branch is committed (default 5 s). */
  commitIntervalMs?: number;
  /**
   * Re-partitions: the branch's data files are written in this partition spec (added to the table, not
   * made its default), which becomes the table's default spec at the cutover. Unset: the table's spec.
   */
  partitionBy?: PartitionFieldRequest[];
}

export interface BackfillProgress {
  /** Records read so far, of `totalRecords` in the range. */
  records: number;
  totalRecords: number;
  /** Where the branch is, per partition, and where the range ends. */
  committed: OffsetMap;
  end: OffsetMap;
  deadLetters: number;
  /** Seconds spent waiting for the live pipeline to catch up. */
  backedOffSeconds: number;
  /** At the rate so far; null until it is known. */
  etaSeconds: number | null;
  snapshotId: bigint | null;
}

export interface BackfillHost extends PipelineHost {
  /** The live pipeline's lag in records now (the backfill backs off when it grows past the cap). */
  liveLag?: () => number;
  progress?: (progress: BackfillProgress) => void;
}

/** An empty commit of the branch (its own snapshot summary only). */
type Appender = (summary: SummaryProperties, maxAttempts?: number) => Promise<{ snapshotId: bigint }>;

/** Set on the snapshot a cutover made main: which backfill it published. */
export const CUTOVER_KEY = 'floe.backfill.cutover';
/** On each snapshot of a re-partitioning backfill's branch: the partition spec its data files are in. */
export const SPEC_KEY = 'floe.backfill.spec-id';

export const backfillBranch = (backfillId: string) => `backfill-${backfillId}`;

/**
 * The backfill's branch was dropped (an abort, or its cutover) after it had been written: the backfill
 * never writes it again, so a run that was still going, or one sent again after its agent died, does
 * not bring the branch back.
 */
export class BackfillEndedError extends Error {
  override name = 'BackfillEnded';
  constructor(backfillId: string) {
    super(
      `backfill ${backfillId} has ended: its branch ${backfillBranch(backfillId)} was aborted or cut over`,
    );
  }
}

/** The pipeline id under which the branch's snapshots carry the backfill's own offsets. */
export const backfillOffsetsId = (backfillId: string) => `backfill-${backfillId}`;

const LAG_POLL_MS = 500;
const FINAL_COMMIT_RETRY = { maxAttempts: 5, minBackoffMs: 500 };

/**
 * Rebuilds a pipeline's table beside the live one: reads a range of its topics with a consumer of its
 * own (its group's offsets are never committed: the live pipeline's group is not touched) and commits
 * to branch `backfill-<id>` of the table, whose snapshots carry the range, the backfill's offsets and
 * its dead letters. Throttled by a rate cap, and by waiting while the live pipeline lags. Killed at
 * any point, it resumes from the branch's own offsets; it ends once every partition reached its end.
 */
export class Backfill {
  private consumer: Consumer | undefined;
  private readonly positions = new Map<string, bigint>();
  private range: OffsetRange | undefined;
  private pendingDeadLetters = new Map<string, number>();
  private reassigned = false;
  private assigned = new Set<string>();
  private readonly startedAt = Date.now();
  private readAtStart = 0n;
  private backedOffMs = 0;
  private lastCommitAt = Date.now();
  private done = settleable<BackfillProgress>();
  private finished = false;

  private constructor(
    private readonly spec: PipelineSpec,
    private readonly request: BackfillRequest,
    private readonly host: BackfillHost,
    private readonly kafka: KafkaClient,
    private readonly view: BranchView,
    private readonly sink: TableSink,
    private readonly id: TableIdentifier,
    private readonly append: Appender,
    /** The spec the branch is written in, when it is not the table's default (a re-partitioning). */
    private readonly specId: number | undefined,
  ) {}

  static async open(spec: PipelineSpec, request: BackfillRequest, host: BackfillHost): Promise<Backfill> {
    const refusal = backfillRefusal(spec);
    if (refusal !== undefined) throw new Error(refusal);
    const kafka = createKafka({
      brokers: spec.source.bootstrapServers,
      clientId: `floe-${spec.id}-${backfillBranch(request.backfillId)}`,
      ...(await kafkaSecurityOptions(spec.source.security, host)),
    });
    const { catalog, io } = await openTableAccess(spec.table, host);
    const id = { namespace: spec.table.namespace, name: spec.table.name };
    const backfill: { current?: Backfill } = {};
    const view = new BranchView(catalog, backfillBranch(request.backfillId), (parent) =>
      backfill.current === undefined ? {} : backfill.current.stamp(parent),
    );
    const specId = await branchSpec(catalog, id, request);
    const read = recordReader(host.decoder, new RecordMapper(spec.mapping, spec.format.key));
    const sink = new TableSink({
      catalog: view,
      io,
      id,
      pipelineId: backfillOffsetsId(request.backfillId),
      policy: spec.schemaPolicy,
      partitionBy: spec.table.partitionBy,
      ...(specId !== undefined && { specId }),
      targetFileSizeBytes: spec.commit.targetFileSizeBytes,
      read,
      writerFor: tableWriters(spec, {
        read,
        maxValueBytes: host.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
        registry: host.registry,
      })(spec.table.name),
    });
    const append: Appender = async (summary, maxAttempts) =>
      (
        await FastAppend.start(view, io, id, {
          allowEmpty: true,
          summary,
          ...(maxAttempts !== undefined && { maxAttempts }),
        })
      ).commit();
    backfill.current = new Backfill(spec, request, host, kafka, view, sink, id, append, specId);
    return backfill.current;
  }

  /** The range (resolved once, then read from the branch) and where the branch is in it. */
  async prepare(): Promise<OffsetRange> {
    const metadata = await this.view.loadTable(this.id).then((t) => t.metadata);
    const head = branchHead(metadata, 'main');
    if (head === undefined && this.wroteBranch(metadata))
      throw new BackfillEndedError(this.request.backfillId);
    let range = head === undefined ? undefined : rangeOf(head.summary);
    if (range === undefined) {
      const admin = this.kafka.admin();
      await admin.connect().catch((e) => Promise.reject(kafkaFailure(e, this.spec.source.bootstrapServers)));
      try {
        range = await resolveRange(admin, this.spec.source.topics, this.request.start, this.request.end);
      } finally {
        await admin.disconnect();
      }
      // The branch's first snapshot holds the range and starts the backfill's offsets at its start.
      await this.append({
        ...rangeSummary(range),
        [offsetsKey(backfillOffsetsId(this.request.backfillId))]: encodeOffsets(range.start),
        [DEAD_LETTERS_KEY]: '{}',
        ...this.specSummary(),
      });
    }
    this.range = range;
    const committed = await this.sink.load();
    for (const [key, offset] of committed) this.positions.set(key, offset);
    this.readAtStart = this.readSoFar();
    return range;
  }

  /**
   * Moves the range's end on to `offsets` where they are further (the live table's offsets at a
   * cutover: the branch then holds what the live pipeline committed after the range too).
   */
  extendTo(offsets: OffsetMap): void {
    const range = this.range as OffsetRange;
    for (const [key, offset] of offsets) {
      if (offset > (range.end.get(key) ?? 0n)) range.end.set(key, offset);
      if (!range.start.has(key)) range.start.set(key, 0n);
    }
  }

  /** Reads until every partition reached the range's end; resolves with the last progress. */
  async run(): Promise<BackfillProgress> {
    if (this.range === undefined) await this.prepare();
    if (this.complete()) return this.finish();
    this.finished = false;
    this.done = settleable();
    this.reassigned = false;
    const consumer = this.kafka.consumer({
      groupId: `floe-${backfillBranch(this.request.backfillId)}-${this.spec.id}`,
      sessionTimeout: 30_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: 3_000,
      // A stopped backfill's consumer never comes back by itself: it would hold partitions of the next run.
      retry: { restartOnFailure: async () => !this.finished },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned = new Set(
        Object.entries(payload.memberAssignment).flatMap(([topic, ps]) => ps.map((p) => tpKey(topic, p))),
      );
      this.reassigned = true;
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.done.reject(payload.error);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.spec.source.topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: (payload) =>
          this.onBatch(payload).catch((error: Error) => {
            this.host.log?.('warn', 'backfill batch failed; it is fetched again', {
              backfill: this.request.backfillId,
              error: error.message,
            });
            throw error;
          }),
      });
    } catch (error) {
      await consumer.disconnect().catch(() => {});
      throw kafkaFailure(error, this.spec.source.bootstrapServers);
    }
    try {
      return await this.done.promise;
    } finally {
      await consumer.disconnect();
    }
  }

  /**
   * Publishes the branch: one catalog commit adds an empty snapshot on the branch head that carries the
   * live pipeline's offsets (`liveOffsets`) and moves main to it, asserting main is still at `mainAt`.
   * Throws when main moved (nothing changed then).
   */
  async publish(mainAt: bigint | null, livePipelineId: string, liveOffsets: OffsetMap): Promise<bigint> {
    // A re-partitioned branch's spec becomes main's default in the commit that publishes it.
    this.view.publishTo(mainAt, this.specId);
    try {
      const { snapshotId } = await this.append(
        (parent) => ({
          ...carriedOffsets(parent),
          [offsetsKey(livePipelineId)]: encodeOffsets(liveOffsets),
          [CUTOVER_KEY]: this.request.backfillId,
        }),
        1,
      );
      return snapshotId;
    } finally {
      this.view.publishTo(undefined);
    }
  }

  /** Stops reading; what was read since the last commit is read again by the next run. */
  async stop(): Promise<void> {
    this.finished = true;
    this.done.reject(new Error('the backfill was stopped'));
    await this.consumer?.disconnect();
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.finished) return;
    if (this.reassigned) this.seekAssigned();
    const key = tpKey(batch.topic, batch.partition);
    if (!this.assigned.has(key) || !isRunning() || isStale()) return;
    const taken = await this.take(key, batch);
    await this.throttle(taken, heartbeat);
    if (this.finished) return;
    if (this.complete()) {
      // A failed final commit ends this run (the job runs again, from the branch); kafkajs would
      // otherwise fetch the batch again into a run that has finished.
      await this.finish().then(this.done.resolve, this.done.reject);
      return;
    }
    if (Date.now() - this.lastCommitAt >= (this.request.commitIntervalMs ?? 5_000)) await this.commit();
    await heartbeat();
  }

  private seekAssigned(): void {
    this.reassigned = false;
    for (const key of this.assigned) {
      const offset = this.positions.get(key) ?? this.range?.start.get(key);
      if (offset === undefined) continue;
      const { topic, partition } = parseTpKey(key);
      this.consumer?.seek({ topic, partition, offset: offset.toString() });
    }
  }

  /** Holds the batch's records inside the range; returns how many. */
  private async take(key: string, batch: Batch): Promise<number> {
    const end = this.range?.end.get(key) ?? 0n;
    const position = this.positions.get(key) ?? this.range?.start.get(key);
    if (position === undefined || position >= end) return 0;
    const fetched = fetchedBatch(batch, position);
    const raw = withinEnd(fetched, end);
    if (raw.length === 0) return 0;
    const { rejected } = await this.sink.take(key, raw);
    if (rejected.length > 0)
      this.pendingDeadLetters.set(key, (this.pendingDeadLetters.get(key) ?? 0) + rejected.length);
    this.positions.set(key, raw.offset(raw.length - 1) + 1n);
    return raw.length;
  }

  /** Keeps under the rate cap, and waits while the live pipeline lags more than allowed. */
  private async throttle(taken: number, heartbeat: () => Promise<void>): Promise<void> {
    const { maxRecordsPerSecond, maxLiveLagRecords } = this.request;
    if (maxRecordsPerSecond !== undefined && taken > 0) {
      const read = Number(this.readSoFar() - this.readAtStart);
      const due = this.startedAt + this.backedOffMs + (read / maxRecordsPerSecond) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    const lag = this.host.liveLag;
    if (maxLiveLagRecords === undefined || lag === undefined) return;
    while (lag() > maxLiveLagRecords && !this.finished) {
      await sleep(LAG_POLL_MS);
      this.backedOffMs += LAG_POLL_MS;
      await heartbeat();
    }
  }

  /** Commits what is held; a failure (a concurrent commit the catalog refused) is logged and tried again later. */
  private async commit(): Promise<void> {
    this.lastCommitAt = Date.now();
    try {
      const outcome = await this.sink.commit();
      this.pendingDeadLetters = new Map();
      this.host.progress?.(await this.progress(outcome?.snapshotId ?? null));
    } catch (error) {
      if (!(error instanceof FencedError)) {
        this.host.log?.('warn', 'backfill commit failed; the rows are kept and committed later', {
          backfill: this.request.backfillId,
          error: (error as Error).message,
        });
        return;
      }
      // Another run of this backfill wrote the branch: read on from where it is. Or the branch is gone.
      this.sink.dropAll();
      this.pendingDeadLetters = new Map();
      if (await this.branchDropped()) {
        this.finished = true;
        this.done.reject(new BackfillEndedError(this.request.backfillId));
        return;
      }
      this.positions.clear();
      for (const [key, offset] of await this.sink.load()) this.positions.set(key, offset);
      this.reassigned = true;
    }
  }

  private async finish(): Promise<BackfillProgress> {
    this.finished = true;
    const outcome = await this.finalCommit();
    this.pendingDeadLetters = new Map();
    const progress = await this.progress(outcome?.snapshotId ?? null);
    this.host.progress?.(progress);
    return progress;
  }

  /** Whether the branch is gone though this backfill wrote it. */
  private async branchDropped(): Promise<boolean> {
    const { metadata } = await this.view.loadTable(this.id);
    return branchHead(metadata, 'main') === undefined && this.wroteBranch(metadata);
  }

  /** Whether a snapshot of the table (kept until it expires) carries this backfill's offsets. */
  private wroteBranch(metadata: TableMetadata): boolean {
    const key = offsetsKey(backfillOffsetsId(this.request.backfillId));
    return metadata.snapshots.some((s) => s.summary[key] !== undefined);
  }

  /** The last commit of a run, tried again after a failure (not after a fence: another run wrote the branch). */
  private finalCommit(): ReturnType<TableSink['commit']> {
    return retrying(
      FINAL_COMMIT_RETRY,
      (error) => !(error instanceof FencedError),
      () => this.sink.commit(),
    );
  }

  private complete(): boolean {
    const range = this.range as OffsetRange;
    return [...range.end].every(
      ([key, end]) => (this.positions.get(key) ?? range.start.get(key) ?? end) >= end,
    );
  }

  private readSoFar(): bigint {
    const range = this.range as OffsetRange;
    let read = 0n;
    for (const [key, start] of range.start) read += (this.positions.get(key) ?? start) - start;
    return read;
  }

  /** The summary properties each branch commit adds: the range, carried, and the dead letters so far. */
  private stamp(parent: Snapshot | undefined): Record<string, string> {
    if (parent === undefined) return {};
    const range = this.range ?? rangeOf(parent.summary);
    const dead = decodeOffsets(parent.summary[DEAD_LETTERS_KEY] ?? '{}');
    for (const [key, n] of this.pendingDeadLetters) dead.set(key, (dead.get(key) ?? 0n) + BigInt(n));
    return {
      ...(range && rangeSummary(range)),
      [DEAD_LETTERS_KEY]: encodeOffsets(dead),
      ...this.specSummary(),
    };
  }

  private specSummary(): Record<string, string> {
    return this.specId === undefined ? {} : { [SPEC_KEY]: String(this.specId) };
  }

  private async progress(snapshotId: bigint | null): Promise<BackfillProgress> {
    const range = this.range as OffsetRange;
    const head = branchHead((await this.view.loadTable(this.id)).metadata, 'main');
    const dead = decodeOffsets(head?.summary[DEAD_LETTERS_KEY] ?? '{}');
    const total = rangeSize(range);
    const read = this.readSoFar();
    const thisRun = Number(read - this.readAtStart);
    const elapsed = (Date.now() - this.startedAt) / 1000;
    return {
      records: Number(read),
      totalRecords: Number(total),
      committed: new Map(this.sink.committedOffsets),
      end: range.end,
      deadLetters: Number([...dead.values()].reduce((a, b) => a + b, 0n)),
      backedOffSeconds: Math.round(this.backedOffMs / 1000),
      etaSeconds: thisRun > 0 ? Math.round((Number(total - read) * elapsed) / thisRun) : null,
      snapshotId,
    };
  }
}

/**
 * The spec a re-partitioning backfill writes its branch in: the one its branch notes (a run resumed, or
 * the cutover's), else the request's fields added to the table as a spec that is not the default.
 */
async function branchSpec(
  catalog: Catalog,
  id: TableIdentifier,
  request: BackfillRequest,
): Promise<number | undefined> {
  const { metadata } = await catalog.loadTable(id);
  const noted = metadata.refs[backfillBranch(request.backfillId)];
  const head = metadata.snapshots.find((s) => s.snapshotId === noted?.snapshotId);
  const specId = head?.summary[SPEC_KEY];
  if (specId !== undefined) return Number(specId);
  if (request.partitionBy === undefined || head !== undefined) return undefined;
  const spec = await addPartitionSpec(catalog, id, request.partitionBy);
  return spec.specId === metadata.defaultSpecId ? undefined : spec.specId;
}

function settleable<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The batch's records before `end`. */
function withinEnd(batch: RawBatch, end: bigint): RawBatch {
  if (batch.length === 0 || batch.offset(batch.length - 1) < end) return batch;
  const records = [];
  for (let i = 0; i < batch.length && batch.offset(i) < end; i += 1) records.push(batch.record(i));
  return listBatch(batch.topic, batch.partition, records);
}
