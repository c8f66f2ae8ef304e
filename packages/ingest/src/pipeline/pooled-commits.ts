import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { PipelineSpec } from '@floe/protocol';
import type { HandedRange } from '../commit/handover';
import type { OffsetMap } from '../commit/offsets';
import {
  type Committer,
  commitHandovers,
  committerMark,
  type Received,
  SupersededError,
} from '../commit/pooled-committer';
import type { SinkSet } from '../commit/sink-set';
import { type CommitOutcome, FencedError } from '../commit/table-commit';
import type { KafkaClient } from '../kafka/client';
import { ControlReader, ControlWriter, controlTopicName } from './control-topic';
import type { PipelineMetrics } from './metrics';
import type { IngestLog } from './observer';

export interface PooledCommitsOptions {
  spec: PipelineSpec;
  kafka: KafkaClient;
  sinks: SinkSet;
  metrics: PipelineMetrics;
  log: IngestLog;
  /** Creates the control topic (the runner's admin client). */
  ensureTopic(topic: string): Promise<void>;
}

/** A range handed over and not seen in the table yet. */
interface Pending extends HandedRange {
  sentAtMs: number;
}

/** A hand-over the committer never took within this long is read again (the committer is stuck). */
const PENDING_LIMIT_MS = 60_000;

/**
 * One commit per interval per table for a pipeline on a pool (several members in its consumer group).
 * Every member writes its records as data files and hands them over, with each partition's offset
 * range, on the control topic; the member that owns partition 0 of the first topic is the committer:
 * it reads the control topic from where the table's last commit ended and commits what chains onto
 * the table's offsets, every member's files in one snapshot with its generation (pooled-committer.ts).
 * A member learns what became of its hand-overs from the table: a range the table's offset passed is
 * committed (by the committer, or by whoever it was refused for); one whose partition the table holds
 * elsewhere is read again (FencedError, and the runner reads from the table).
 */
export class PooledCommits {
  /** Who this member is, in the committer's mark: host, process and a random tail. */
  readonly member = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  private readonly topic: string;
  private writer: ControlWriter | undefined;
  private reader: ControlReader | undefined;
  /** Whether this member owns partition 0 of the first topic while the group shares the pipeline. */
  private owner = false;
  private committer: Committer | undefined;
  private received: Received[] = [];
  /** Per table, per partition: the ranges handed over and not in the table yet, oldest first. */
  private readonly pending = new Map<string, Map<string, Pending[]>>();
  private topicReady: Promise<void> | undefined;

  constructor(private readonly options: PooledCommitsOptions) {
    this.topic = controlTopicName(options.spec.id);
  }

  /** Whether an interval's tick is due with nothing held: this member commits, or waits on hand-overs. */
  get due(): boolean {
    return this.owner || [...this.pending.values()].some((byKey) => byKey.size > 0);
  }

  /**
   * After a rebalance: this member is the committer when the group shares the pipeline (`pooled`) and
   * it owns partition 0 of the first topic (it claims the role at its next tick); hand-overs of
   * partitions that went elsewhere are forgotten. Returns true when the member is alone now with
   * hand-overs not seen in the table yet: no committer reads the control topic any more, so they are
   * forgotten too and the caller reads everything again from the tables, to commit it itself.
   */
  async assigned(keys: ReadonlySet<string>, pooled: boolean): Promise<boolean> {
    for (const byKey of this.pending.values()) {
      for (const key of [...byKey.keys()]) if (!keys.has(key)) byKey.delete(key);
    }
    // Every assignment is a new group generation: a committer claims the role again (a newer generation).
    await this.stepDown();
    this.owner = pooled && keys.has(`${this.options.spec.source.topics[0]}:0`);
    if (pooled) return false;
    const untaken = [...this.pending.values()].flatMap((byKey) => [...byKey.keys()]);
    if (untaken.length === 0) return false;
    this.options.log('info', 'alone in the group with hand-overs no committer took; reading them again', {
      pipeline: this.options.spec.id,
      partitions: untaken.join(','),
    });
    this.forget();
    return true;
  }

  /**
   * Has every sink read on from the end of its hand-overs still pending (after the sinks were read
   * again from their tables), so that a member keeps its place across a rebalance.
   */
  keepPlaces(): void {
    for (const [table, byKey] of this.pending) {
      for (const [key, ranges] of byKey) {
        const last = ranges.at(-1);
        if (last !== undefined) this.options.sinks.get(table)?.handedOver(key, last.to);
      }
    }
  }

  /** Forgets every hand-over (the runner reads everything again from the tables). */
  forget(): void {
    this.pending.clear();
  }

  /**
   * One interval: checks what became of earlier hand-overs (FencedError when a partition must be read
   * again), hands over what is held, and as committer commits what members handed over. Returns the
   * commits made. The last tick before stopping claims no role.
   */
  async tick(assigned: ReadonlySet<string>, last = false): Promise<CommitOutcome[]> {
    if (this.owner && this.committer === undefined && !last) await this.claim();
    await this.reconcile(assigned);
    await this.handOver();
    return this.committer === undefined ? [] : this.commitReceived();
  }

  async close(): Promise<void> {
    await this.stepDown();
    await this.writer?.close();
  }

  private async reconcile(assigned: ReadonlySet<string>): Promise<void> {
    const moved: string[] = [];
    const lowest: OffsetMap = new Map();
    for (const sink of this.options.sinks.all) {
      const inTable = await sink.tableOffsetsNow();
      const byKey = this.pending.get(sink.localName) ?? new Map<string, Pending[]>();
      for (const key of assigned) {
        const offset = inTable.get(key);
        const low = lowest.get(key);
        if (offset !== undefined && (low === undefined || offset < low)) lowest.set(key, offset);
        const ranges = (byKey.get(key) ?? []).filter((r) => offset === undefined || r.to > offset);
        for (const r of byKey.get(key) ?? []) {
          if (!ranges.includes(r)) this.options.metrics.committedRecordAt(key, r.newestRecordMs);
        }
        if (ranges.length === 0) {
          byKey.delete(key);
          // Nothing pending: the table must be where this member reads on from, or another wrote it.
          const own = sink.committedOffset(key);
          if (offset !== undefined && own !== undefined && offset > own) moved.push(key);
          continue;
        }
        byKey.set(key, ranges);
        const first = ranges[0] as Pending;
        if ((first.from ?? undefined) !== offset || Date.now() - first.sentAtMs > PENDING_LIMIT_MS)
          moved.push(key);
      }
    }
    for (const [key, offset] of lowest) this.options.metrics.committedOffsets.set(key, offset);
    if (moved.length > 0) {
      this.forget();
      throw new FencedError(
        `the committer did not take the hand-overs of ${moved.join(', ')} (another member wrote them, or none commits); they are read again`,
      );
    }
  }

  private async handOver(): Promise<void> {
    const handovers = [];
    for (const sink of this.options.sinks.all) {
      const handover = await sink.handOver();
      if (handover !== undefined) handovers.push(handover);
    }
    if (handovers.length === 0) return;
    try {
      await this.ready();
      this.writer ??= new ControlWriter(this.options.kafka, this.topic);
      await this.writer.send({ type: 'data-written', member: this.member, handovers });
    } catch (error) {
      // The sinks read on past what was not handed over: everything is read again from the tables.
      this.forget();
      throw new FencedError(`hand-over to ${this.topic} failed (${(error as Error).message}); read again`);
    }
    const sentAtMs = Date.now();
    for (const handover of handovers) {
      const byKey = this.pending.get(handover.table) ?? new Map<string, Pending[]>();
      for (const range of handover.ranges)
        byKey.set(range.key, [...(byKey.get(range.key) ?? []), { ...range, sentAtMs }]);
      this.pending.set(handover.table, byKey);
    }
  }

  private async commitReceived(): Promise<CommitOutcome[]> {
    const committer = this.committer as Committer;
    for (const { offset, message } of this.reader?.take() ?? []) {
      for (const handover of message.handovers)
        this.received.push({ offset, member: message.member, handover });
    }
    const last = this.received.at(-1);
    if (last === undefined) return [];
    const outcomes: CommitOutcome[] = [];
    try {
      for (const sink of this.options.sinks.all) {
        const mine = this.received.filter((r) => r.handover.table === sink.localName);
        if (mine.length === 0) continue;
        const { outcome, refused } = await commitHandovers(sink.access, mine, committer, last.offset + 1n);
        if (outcome !== undefined) outcomes.push(outcome);
        if (refused.length > 0) {
          this.options.log('info', 'hand-overs refused: their partitions moved on; the members read again', {
            pipeline: this.options.spec.id,
            table: sink.name,
            members: [...new Set(refused.map((r) => r.member))].join(','),
          });
        }
      }
      // Decided (committed or refused); a commit that failed part-way takes them again and the ones
      // committed then no longer chain.
      this.received = [];
    } catch (error) {
      if (error instanceof SupersededError) {
        this.options.log('warn', 'committer superseded; stepping down', {
          pipeline: this.options.spec.id,
          error: error.message,
        });
        // Until the group assigns partitions again: the new committer's rebalance reaches this member too.
        this.owner = false;
        await this.stepDown();
      } else if (error instanceof FencedError) {
        this.options.log('info', 'pooled commit raced another writer; decided again next interval', {
          pipeline: this.options.spec.id,
          error: error.message,
        });
      } else throw error;
    }
    return outcomes;
  }

  /**
   * Takes the committer role: one generation past the newest the tables hold, reading the control
   * topic from where their last commit ended.
   */
  private async claim(): Promise<void> {
    await this.ready();
    let generation = 0;
    let from: bigint | undefined;
    for (const sink of this.options.sinks.all) {
      await sink.tableOffsetsNow();
      const metadata = sink.metadata;
      const mark = metadata === undefined ? undefined : committerMark(metadata, this.options.spec.id);
      if (mark === undefined) continue;
      generation = Math.max(generation, mark.generation);
      if (from === undefined || mark.controlOffset < from) from = mark.controlOffset;
    }
    this.committer = { generation: generation + 1, member: this.member };
    this.received = [];
    this.reader = new ControlReader(
      this.options.kafka,
      this.topic,
      `${this.topic}-reader-${randomBytes(6).toString('hex')}`,
      this.options.log,
    );
    await this.reader.start(from);
    this.options.log('info', 'committer for the pool', {
      pipeline: this.options.spec.id,
      generation: this.committer.generation,
      member: this.member,
      controlOffset: from?.toString() ?? 'start',
    });
  }

  private async stepDown(): Promise<void> {
    const reader = this.reader;
    this.committer = undefined;
    this.reader = undefined;
    this.received = [];
    await reader?.close();
  }

  private ready(): Promise<void> {
    this.topicReady ??= this.options.ensureTopic(this.topic).catch((error) => {
      this.topicReady = undefined;
      throw error;
    });
    return this.topicReady;
  }
}
