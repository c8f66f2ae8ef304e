import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelineSpec } from '@floe/protocol';
import type { Admin } from 'kafkajs';
import { parseTpKey } from '../commit/offsets';
import type { SinkSet } from '../commit/sink-set';
import { type CommitOutcome, FencedError } from '../commit/table-commit';
import type { TableSink } from '../commit/table-sink';
import type { DeadLetterTopic } from '../dead-letters';
import { RecordRejectedError } from '../decode/decoded';
import type { RawBatch } from '../engine/engine';
import { type RecordReader, recordOf } from '../engine/read-record';
import type { KafkaClient } from '../kafka/client';
import type { FetchedPartition, RecordSource } from '../kafka/record-source';
import type { KafkaRecord } from '../mapping/kafka-record';
import { Assignment } from './assignment';
import { BadRecords, PipelinePausedError } from './bad-records';
import { ensureControlTopic } from './control-topic';
import { recordsFrom } from './fetched-batch';
import { pipelineGroupId } from './group-id';
import { PipelineMetrics } from './metrics';
import { Mutex } from './mutex';
import { type IngestLog, type PipelineObserver, silentLog } from './observer';
import { PooledCommits } from './pooled-commits';

export { PipelinePausedError } from './bad-records';

export interface PipelineRunnerOptions {
  spec: PipelineSpec;
  /** For the group's and the topics' offsets (where a partition the table never held starts). */
  kafka: KafkaClient;
  /** The pipeline's consumer group member (kafkajs or librdkafka). */
  source: RecordSource;
  /** Decodes and maps a record the TypeScript way (table creation, schema changes, routing by a field). */
  read: RecordReader;
  /** The pipeline's table, and with fan-out routing the routed tables. */
  sinks: SinkSet;
  /** The pipeline's running totals (shared with its table sinks, which time their stages there). */
  metrics?: PipelineMetrics;
  /** Where dead letters go under the `dlq` policy. */
  deadLetters?: DeadLetterTopic;
  observer?: PipelineObserver;
  log?: IngestLog;
  /** Commit once this many record bytes are held, before the interval is up (default 64 MiB). */
  maxBufferedBytes?: number;
}

const MAX_BACKOFF_MS = 30_000;
const COMMIT_TICK_MS = 50;

/**
 * Runs one pipeline: a Kafka consumer group member that decodes, maps and fits records, holds them per
 * partition, and commits them to the table every commit interval (or sooner when the buffer is full)
 * with the next offsets in the snapshot summary. Where each partition is read from is the
 * `Assignment`'s (the table's offsets); the consumer group's own offsets are committed afterwards, for
 * lag tools only.
 */
export class PipelineRunner {
  readonly metrics: PipelineMetrics;
  private admin: Admin | undefined;
  private readonly lock = new Mutex();
  private readonly assignment: Assignment;
  private bufferedBytes = 0;
  private firstBufferedAt: number | undefined;
  private failures = 0;
  private nextAttemptAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly log: IngestLog;
  private readonly groupId: string;
  private readonly badRecords: BadRecords;
  /** One committer per pipeline while the group has other members (commit.mode auto, appends). */
  private readonly pool: PooledCommits | undefined;
  private lastTickAt = 0;

  constructor(private readonly options: PipelineRunnerOptions) {
    this.log = options.log ?? silentLog;
    this.metrics = options.metrics ?? new PipelineMetrics();
    this.groupId = pipelineGroupId(options.spec.id);
    this.badRecords = new BadRecords(
      options.spec,
      this.metrics,
      this.log,
      options.deadLetters,
      options.observer,
    );
    const { spec } = options;
    if (spec.commit.mode === 'auto' && spec.changes.mode === 'append') {
      this.pool = new PooledCommits({
        spec,
        kafka: options.kafka,
        sinks: options.sinks,
        metrics: this.metrics,
        log: this.log,
        ensureTopic: (topic) => ensureControlTopic(this.admin as Admin, topic),
      });
    }
    this.assignment = new Assignment({
      spec,
      source: options.source,
      sinks: options.sinks,
      metrics: this.metrics,
      log: this.log,
      groupId: this.groupId,
      admin: () => this.admin as Admin,
      ...(options.deadLetters !== undefined && { deadLetters: options.deadLetters }),
      ...(this.pool !== undefined && { pool: this.pool }),
      readAgain: () => {
        this.bufferedBytes = 0;
        this.firstBufferedAt = undefined;
      },
    });
  }

  async start(): Promise<void> {
    const { spec, kafka, sinks, source } = this.options;
    // Before the first fetch: a restarted pipeline's lag counts from its tables, not from offset 0.
    this.metrics.resumeFrom(await sinks.load());
    this.admin = kafka.admin();
    await this.admin.connect();
    await source.start({
      assigned: (keys) => this.lock.run(() => this.assignment.adopt(keys)),
      batch: (fetched) => this.onBatch(fetched),
    });
    // A record waits at most the commit interval plus one tick before its commit starts.
    this.timer = setInterval(() => void this.commitIfDue(), COMMIT_TICK_MS);
    this.log('info', 'pipeline started', {
      pipeline: spec.id,
      tables: sinks.names,
      group: this.groupId,
      consumer: source.client,
    });
  }

  /** Stops consuming, commits what is held (one attempt), and disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.options.source.stop();
    await this.lock.run(async () => {
      const held = this.options.sinks.bufferedRows > 0 || (this.options.deadLetters?.size ?? 0) > 0;
      if (held || (this.assignment.pooled && this.pool?.due)) {
        await this.commit().catch((error: Error) =>
          this.log('warn', 'final commit failed; the records are read again on restart', {
            pipeline: this.options.spec.id,
            error: error.message,
          }),
        );
      }
    });
    await this.pool?.close();
    await this.options.source.disconnect();
    await this.admin?.disconnect();
  }

  private async onBatch({ key, raw, highWatermark, live, keepAlive }: FetchedPartition): Promise<void> {
    await this.lock
      .run(async () => {
        this.metrics.logEndOffsets.set(key, highWatermark);
        if (!this.assignment.keys.has(key) || !live()) return;
        const position = this.assignment.position(key);
        await this.takeBatch(key, position === undefined ? raw : recordsFrom(raw, position));
      })
      .catch((error: Error) => {
        if (!(error instanceof PipelinePausedError)) throw error;
        this.options.source.pause(key);
        this.halt(error);
      });
    await keepAlive();
    // Back-pressure: a full buffer is committed before more is fetched, retrying as long as it takes.
    while (this.bufferedBytes >= (this.options.maxBufferedBytes ?? 64 * 1024 * 1024) && !this.stopping) {
      if (await this.lock.run(() => this.tryCommit())) break;
      await keepAlive();
      await sleep(Math.max(0, this.nextAttemptAt - Date.now()));
    }
  }

  private async takeBatch(key: string, raw: RawBatch): Promise<void> {
    const { sinks } = this.options;
    if (raw.length === 0) return;
    const lastOffset = raw.offset(raw.length - 1);
    for (const [sink, routed] of await sinks.split(key, raw, this.options.read)) {
      if (!sink.exists) await sink.create(routed);
      if (!sink.exists) {
        // No record of the batch could be read at all, so there is no schema to create the table with.
        for (let i = 0; i < routed.length; i += 1) {
          const error = await this.options.read(recordOf(routed, i)).then(
            () => new RecordRejectedError('undecodable', 'the record could not be read'),
            (e: Error) => e,
          );
          if (!(error instanceof RecordRejectedError)) throw error;
          this.rejectOrPause(key, sink, recordOf(routed, i), error);
        }
        continue;
      }
      const { rejected } = await sink.take(key, routed);
      for (const r of rejected) {
        this.rejectOrPause(
          key,
          sink,
          recordOf(routed, r.index),
          new RecordRejectedError(r.reason, r.message),
        );
      }
    }
    sinks.advance(key, { topic: raw.topic, partition: raw.partition, offset: lastOffset });
    this.assignment.tookUpTo(key, lastOffset + 1n);
    const bytes = raw.bytes;
    this.metrics.recordsIn += raw.length;
    this.metrics.bytesIn += bytes;
    this.bufferedBytes += bytes;
    this.firstBufferedAt ??= Date.now();
  }

  /**
   * Under the pause policy the partition's rows taken since its last commit are dropped, so nothing
   * at or past the bad record is committed; on resume it is read again from the table's offset.
   */
  private rejectOrPause(key: string, sink: TableSink, record: KafkaRecord, error: RecordRejectedError): void {
    if (this.badRecords.policy === 'pause') this.assignment.forget(key);
    this.badRecords.reject(key, record, error, sink.name);
  }

  private async commitIfDue(): Promise<void> {
    if (this.stopping || Date.now() < this.nextAttemptAt) return;
    const interval = this.options.spec.commit.intervalSeconds * 1000;
    if (this.assignment.pooled) {
      // On a pool every member ticks each interval: it hands over, and the committer commits.
      if (Date.now() - this.lastTickAt < interval) return;
      if (this.firstBufferedAt === undefined && !this.pool?.due) return;
    } else if (this.firstBufferedAt === undefined || Date.now() - this.firstBufferedAt < interval) return;
    await this.lock.run(() => this.tryCommit());
  }

  /** One commit attempt; a failure is reported and retried later with backoff, the rows kept. */
  private async tryCommit(): Promise<boolean> {
    try {
      await this.commit();
      this.failures = 0;
      this.nextAttemptAt = 0;
      return true;
    } catch (error) {
      if (error instanceof FencedError) {
        await this.refence(error);
        return true;
      }
      this.failures += 1;
      this.metrics.commitErrors += 1;
      this.nextAttemptAt = Date.now() + Math.min(MAX_BACKOFF_MS, 500 * 2 ** (this.failures - 1));
      this.log('error', 'commit failed; retrying', {
        pipeline: this.options.spec.id,
        attempt: this.failures,
        error: (error as Error).message,
      });
      this.options.observer?.failed?.(error as Error);
      return false;
    }
  }

  /** Another writer moved our partitions: everything held is dropped and read again from the table. */
  private async refence(error: FencedError): Promise<void> {
    this.metrics.fencedCommits += 1;
    this.log('warn', 'commit fenced; reading again from the table', {
      pipeline: this.options.spec.id,
      error: error.message,
    });
    await this.assignment.rewind();
  }

  private async commit(): Promise<void> {
    const { sinks, deadLetters, observer } = this.options;
    const sent = (await deadLetters?.send()) ?? 0;
    let outcomes: CommitOutcome[];
    if (this.assignment.pooled) {
      this.lastTickAt = Date.now();
      outcomes = await (this.pool as PooledCommits).tick(this.assignment.keys, this.stopping);
    } else outcomes = await sinks.commit();
    if (sinks.bufferedRows === 0) {
      this.bufferedBytes = 0;
      this.firstBufferedAt = undefined;
    }
    // Lag and resume points: per partition, the lowest offset over the pipeline's tables (on a pool
    // the sinks read on past what they handed over: the tables' offsets are taken at the tick).
    if (outcomes.length > 0 && !this.assignment.pooled) {
      for (const [key, offset] of sinks.lowestCommitted()) this.metrics.committedOffsets.set(key, offset);
    }
    outcomes.forEach((outcome, i) => {
      this.metrics.recordCommit(outcome);
      this.log('info', 'committed', {
        pipeline: this.options.spec.id,
        table: outcome.table,
        snapshot: outcome.snapshotId.toString(),
        records: outcome.records,
        files: outcome.dataFiles,
        deadLettered: sent,
      });
      observer?.committed?.(outcome, this.metrics.progress(), i === 0 ? sent : 0);
    });
    // For lag tools only: the tables, not the group, say where to resume (on a pool a member learns
    // them at each tick, whoever committed).
    if (outcomes.length === 0 && !this.assignment.pooled) return;
    const groupOffsets = [...this.metrics.committedOffsets]
      .filter(([key]) => this.assignment.keys.has(key))
      .map(([key, offset]) => ({ ...parseTpKey(key), offset }));
    await this.options.source
      .commitOffsets(groupOffsets)
      .catch((error: Error) => this.log('debug', 'group offsets not committed', { error: error.message }));
  }

  private halt(error: Error): void {
    this.stopping = true;
    this.log('error', 'pipeline paused', { pipeline: this.options.spec.id, error: error.message });
    this.options.observer?.paused?.(error);
  }
}
