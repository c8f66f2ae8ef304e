import type { PipelineSpec } from '@floe/protocol';
import type { Admin } from 'kafkajs';
import { type OffsetMap, tpKey } from '../commit/offsets';
import type { SinkSet } from '../commit/sink-set';
import type { DeadLetterTopic } from '../dead-letters';
import type { RecordSource } from '../kafka/record-source';
import type { PipelineMetrics } from './metrics';
import type { IngestLog } from './observer';
import type { PooledCommits } from './pooled-commits';
import { startOffsets } from './start-offsets';

export interface AssignmentOptions {
  spec: PipelineSpec;
  source: RecordSource;
  sinks: SinkSet;
  metrics: PipelineMetrics;
  log: IngestLog;
  groupId: string;
  /** The runner's admin client, connected before the first assignment. */
  admin: () => Admin;
  deadLetters?: DeadLetterTopic;
  pool?: PooledCommits;
  /** Everything held was dropped: it is all read again, and the runner's buffer starts empty. */
  readAgain: () => void;
}

/**
 * Which partitions this member owns and where it reads each one. The table's offsets are the truth:
 * on every assignment (and after a fenced commit) the consumer seeks to them and skips what the table
 * already has. Kept apart from the runner so that it reads as batches in, take, commit when due.
 */
export class Assignment {
  /** The partitions assigned to this member. */
  keys = new Set<string>();
  /** Whether the group shares the pipeline now (this member does not own every partition). */
  pooled = false;
  /** The next offset to take per partition this member owns; unset until known. */
  private readonly positions = new Map<string, bigint>();

  constructor(private readonly options: AssignmentOptions) {}

  /** The next offset to take from a partition, when known. */
  position(key: string): bigint | undefined {
    return this.positions.get(key);
  }

  /** Records of a partition were taken up to `next`. */
  tookUpTo(key: string, next: bigint): void {
    this.positions.set(key, next);
  }

  /**
   * Forgets a partition's place and what is held for it (everything, when stored files mix it with
   * others): it is read again from the table's offset when it is next placed.
   */
  forget(key: string): void {
    if (this.options.sinks.drop([key])) this.positions.clear();
    this.options.deadLetters?.drop([key]);
    this.positions.delete(key);
  }

  /**
   * After a rebalance: forget partitions that went elsewhere, re-read the table, and place every owned
   * partition: kept ones where they were, new ones at the table's offsets.
   */
  async adopt(keys: Set<string>): Promise<void> {
    const { sinks, deadLetters, pool } = this.options;
    this.keys = keys;
    const gone = [...this.positions.keys()].filter((k) => !this.keys.has(k));
    this.options.metrics.keepOnly(this.keys);
    if (sinks.drop(gone)) {
      // Files of a failed commit mixed the partitions: everything is read again.
      this.dropAll();
    } else {
      deadLetters?.drop(gone);
      for (const key of gone) this.positions.delete(key);
    }
    this.pooled = pool !== undefined && !(await this.ownsEveryPartition(keys));
    // Alone now with hand-overs no committer took (the committer died with them): read them again.
    if (await pool?.assigned(keys, this.pooled)) this.dropAll();
    const offsets = await sinks.load();
    // Partitions handed over and not committed yet are read on from where their hand-overs end.
    pool?.keepPlaces();
    await this.seek([...keys], offsets);
  }

  /** Another writer moved our partitions: everything held is dropped and read again from the table. */
  async rewind(): Promise<void> {
    this.options.pool?.forget();
    this.dropAll();
    await this.seek([...this.keys], await this.options.sinks.load());
  }

  /** Drops everything held and every place: each partition is next read from the table's offset. */
  private dropAll(): void {
    this.options.sinks.dropAll();
    this.options.deadLetters?.dropAll();
    this.options.readAgain();
    this.positions.clear();
  }

  /**
   * Whether this member is alone in the group: it owns every partition of the pipeline's topics. When
   * Kafka cannot say, it commits for itself until the next assignment (correct either way: the
   * table's offsets fence every commit; it only costs snapshots).
   */
  private async ownsEveryPartition(keys: Set<string>): Promise<boolean> {
    try {
      const { topics } = await this.options.admin().fetchTopicMetadata({
        topics: this.options.spec.source.topics,
      });
      return topics.every((t) => t.partitions.every((p) => keys.has(tpKey(t.name, p.partitionId))));
    } catch (error) {
      this.options.log('warn', 'could not read the topics partitions; committing for this member alone', {
        pipeline: this.options.spec.id,
        error: (error as Error).message,
      });
      return true;
    }
  }

  /**
   * Seeks partitions to where this member was, else to the table's offsets; one the table has never
   * held starts where the pipeline says.
   */
  private async seek(keys: string[], offsets: OffsetMap): Promise<void> {
    const { source } = this.options;
    const unknown = keys.filter((k) => !this.positions.has(k) && !offsets.has(k));
    const starts =
      unknown.length > 0
        ? await startOffsets(
            {
              admin: this.options.admin(),
              commit: (resolved) => source.commitOffsets(resolved),
              groupId: this.options.groupId,
              sinks: this.options.sinks,
              startFrom: this.options.spec.source.startFrom,
            },
            unknown,
          )
        : new Map<string, bigint>();
    for (const key of keys) {
      const offset = this.positions.get(key) ?? offsets.get(key) ?? starts.get(key);
      if (offset === undefined) continue;
      source.seek(key, offset);
      this.positions.set(key, offset);
    }
    this.options.log('debug', 'partitions assigned', {
      pipeline: this.options.spec.id,
      partitions: keys.join(','),
    });
  }
}
