import { type Consumer, type EachBatchPayload, type PartitionAssigner, PartitionAssigners } from 'kafkajs';
import { parseTpKey, tpKey } from '../commit/offsets';
import type { EngineName } from '../engine/engine';
import { fetchedBatch } from '../pipeline/fetched-batch';
import type { StageClock } from '../pipeline/metrics';
import type { KafkaClient } from './client';
import type { RecordSource, SourceHandlers } from './record-source';
import { keepRecordBatches } from './wire-fetch';

export interface KafkajsSourceOptions {
  kafka: KafkaClient;
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  /** How long a member that vanished holds its partitions before the group moves them. */
  sessionTimeoutMs: number;
  /**
   * Whose indexer reads the fetched record batches: fetches keep Kafka record batches whole
   * (wire-fetch.ts) rather than make a kafkajs message object per record.
   */
  indexedBy: EngineName;
  stages: StageClock;
}

/**
 * kafkajs's round robin offered first under the name librdkafka and the Java client give theirs, so
 * that one group can hold kafkajs and librdkafka members (a pool half-way through a change of
 * client); both speak the standard consumer protocol's subscription and assignment.
 */
const sharedRoundRobin: PartitionAssigner = (config) => ({
  ...PartitionAssigners.roundRobin(config),
  name: 'roundrobin',
});

/**
 * The kafkajs consumer as a RecordSource: kafkajs runs the group and the fetches; an assignment is
 * handed over at the first batch after the group's join, before that batch is taken.
 */
export class KafkajsSource implements RecordSource {
  readonly client = 'kafkajs';
  private readonly consumer: Consumer;
  private joined: Set<string> | undefined;

  constructor(private readonly options: KafkajsSourceOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      // A commit that waits on a slow catalog must not cost the group membership.
      rebalanceTimeout: 60_000,
      heartbeatInterval: 3_000,
      readUncommitted: false,
      partitionAssigners: [sharedRoundRobin, PartitionAssigners.roundRobin],
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const keys = new Set<string>();
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const p of partitions) keys.add(tpKey(topic, p));
      }
      this.joined = keys;
    });
  }

  async start(handlers: SourceHandlers): Promise<void> {
    const { consumer, options } = this;
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning });
    const run = () =>
      consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: (payload) => this.deliver(handlers, payload),
      });
    await keepRecordBatches(run);
  }

  private async deliver(
    handlers: SourceHandlers,
    { batch, heartbeat, isRunning, isStale }: EachBatchPayload,
  ) {
    if (this.joined !== undefined) {
      const keys = this.joined;
      this.joined = undefined;
      await handlers.assigned(keys);
    }
    const live = () => isRunning() && !isStale();
    if (!live()) return;
    await handlers.batch({
      key: tpKey(batch.topic, batch.partition),
      raw: this.options.stages.timeSync('read', () => fetchedBatch(batch, undefined, this.options.indexedBy)),
      highWatermark: BigInt(batch.highWatermark),
      live,
      keepAlive: heartbeat,
    });
  }

  seek(key: string, offset: bigint): void {
    const { topic, partition } = parseTpKey(key);
    this.consumer.seek({ topic, partition, offset: offset.toString() });
  }

  pause(key: string): void {
    const { topic, partition } = parseTpKey(key);
    this.consumer.pause([{ topic, partitions: [partition] }]);
  }

  async commitOffsets(offsets: { topic: string; partition: number; offset: bigint }[]): Promise<void> {
    await this.consumer.commitOffsets(offsets.map((o) => ({ ...o, offset: o.offset.toString() })));
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  disconnect(): Promise<void> {
    return this.consumer.disconnect();
  }
}
