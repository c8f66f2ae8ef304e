import type { RawBatch } from '../engine/engine';

/**
 * Where a pipeline's records come from: one member of the pipeline's Kafka consumer group whose fetch
 * positions the pipeline places, since the table's offsets are the truth. Two implementations behind
 * this one interface: kafkajs (kafkajs-source.ts, runs everywhere) and librdkafka through the native
 * engine (native-source.ts).
 */
export interface RecordSource {
  /** Which client fetches, for logs and figures. */
  readonly client: ConsumerName;
  /** Joins the group and starts delivering to `handlers`. */
  start(handlers: SourceHandlers): Promise<void>;
  /**
   * Moves a partition's fetch position: after this call no record of it from an earlier position is
   * delivered. Called from `assigned` for every partition the member owns.
   */
  seek(key: string, offset: bigint): void;
  /** Stops fetching from a partition (the pipeline paused on one of its records). */
  pause(key: string): void;
  /** Records the group's offsets, for lag tools only: the table holds the truth. */
  commitOffsets(offsets: { topic: string; partition: number; offset: bigint }[]): Promise<void>;
  /** Stops fetching; when it resolves no handler runs any more. */
  stop(): Promise<void>;
  /** Leaves the group. */
  disconnect(): Promise<void>;
}

export type ConsumerName = 'kafkajs' | 'librdkafka';

export interface SourceHandlers {
  /**
   * The partitions this member owns now (all of them, after a rebalance), before any record of a
   * newly owned one is delivered: the handler seeks every one of them to where it should be read.
   */
  assigned(keys: Set<string>): Promise<void>;
  /**
   * Fetched records of one owned partition, from its fetch position on; `live` turns false when they
   * were overtaken (a seek, a stop) and must not be taken; `keepAlive` keeps the group membership
   * while the handler waits long (a full buffer waiting on a commit).
   */
  batch(fetched: FetchedPartition): Promise<void>;
}

export interface FetchedPartition {
  key: string;
  raw: RawBatch;
  /** The partition's high watermark as of this fetch. */
  highWatermark: bigint;
  live(): boolean;
  keepAlive(): Promise<void>;
}
