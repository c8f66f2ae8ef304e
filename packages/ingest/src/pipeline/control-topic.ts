import type { Admin, Consumer, Producer } from 'kafkajs';
import { type DataWritten, decodeDataWritten, encodeDataWritten } from '../commit/handover';
import type { KafkaClient } from '../kafka/client';
import type { IngestLog } from './observer';

/**
 * A pipeline's control topic on a pool: one partition in the customer's Kafka carrying the members'
 * `data-written` messages (file metadata and offset ranges, never records) to the committer.
 */
export function controlTopicName(pipelineId: string): string {
  return `floe-control-${pipelineId}`;
}

/** Hours a hand-over waits in the control topic for a committer before Kafka drops it. */
const RETENTION_MS = 6 * 3600_000;

/** Creates the control topic unless it exists (every member may try at once: the loser finds it there). */
export async function ensureControlTopic(admin: Admin, topic: string): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) return;
  await admin
    .createTopics({
      topics: [
        { topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: String(RETENTION_MS) }] },
      ],
      waitForLeaders: true,
    })
    .catch(async (error: Error) => {
      if (!(await admin.listTopics()).includes(topic)) throw error;
    });
}

/** A member's side: sends its hand-overs, each acknowledged by every replica, and learns their offsets. */
export class ControlWriter {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: KafkaClient,
    private readonly topic: string,
  ) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  }

  async send(message: DataWritten): Promise<bigint> {
    this.connected ??= this.producer.connect();
    await this.connected;
    const [sent] = await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{ value: encodeDataWritten(message) }],
    });
    return BigInt(sent?.baseOffset ?? '-1');
  }

  async close(): Promise<void> {
    if (this.connected !== undefined) await this.producer.disconnect();
  }
}

export interface ControlMessage {
  offset: bigint;
  message: DataWritten;
}

/**
 * The committer's side: reads the control topic from an offset (where the table's last commit ended)
 * on. kafkajs reads only through a group, so the reader is the one member of a group of its own,
 * which commits no offsets: the table holds where reading resumes.
 */
export class ControlReader {
  private readonly consumer: Consumer;
  private queue: ControlMessage[] = [];
  private from = 0n;

  constructor(
    kafka: KafkaClient,
    private readonly topic: string,
    groupId: string,
    private readonly log: IngestLog,
  ) {
    this.consumer = kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
  }

  async start(from: bigint | undefined): Promise<void> {
    this.from = from ?? 0n;
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const offset = BigInt(message.offset);
        if (offset < this.from || message.value === null) return;
        try {
          this.queue.push({ offset, message: decodeDataWritten(message.value) });
        } catch (error) {
          this.log('warn', 'control topic: a message that is not a hand-over is skipped', {
            topic: this.topic,
            offset: offset.toString(),
            error: (error as Error).message,
          });
        }
      },
    });
    if (from !== undefined) this.consumer.seek({ topic: this.topic, partition: 0, offset: from.toString() });
  }

  /** The messages read since the last call, in topic order. */
  take(): ControlMessage[] {
    const taken = this.queue;
    this.queue = [];
    return taken;
  }

  close(): Promise<void> {
    return this.consumer.disconnect();
  }
}
