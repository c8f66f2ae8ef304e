import type { Admin, IHeaders, Producer } from 'kafkajs';
import type { DeadLetterReason } from './decode/decoded';
import type { KafkaRecord } from './mapping/kafka-record';

/** Headers Floe adds to a dead letter; the original key, value and headers are kept as produced. */
export const DLQ_HEADERS = {
  reason: 'floe.dlq.reason',
  message: 'floe.dlq.message',
  pipeline: 'floe.dlq.pipeline',
  topic: 'floe.dlq.source.topic',
  partition: 'floe.dlq.source.partition',
  offset: 'floe.dlq.source.offset',
  timestamp: 'floe.dlq.source.timestamp',
} as const;

export interface DeadLetter {
  record: KafkaRecord;
  reason: DeadLetterReason;
  message: string;
}

/**
 * Dead letters are held per partition with the rows and sent before the commit that moves the
 * partition's offset past them, so none is lost. A crash between the two sends them again: a dead
 * letter is at least once, and its source topic/partition/offset headers identify it.
 */
export class DeadLetterTopic {
  private readonly held = new Map<string, DeadLetter[]>();

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly pipelineId: string,
  ) {}

  add(key: string, letter: DeadLetter): void {
    const list = this.held.get(key) ?? [];
    list.push(letter);
    this.held.set(key, list);
  }

  drop(keys: Iterable<string>): void {
    for (const key of keys) this.held.delete(key);
  }

  dropAll(): void {
    this.held.clear();
  }

  get size(): number {
    let n = 0;
    for (const list of this.held.values()) n += list.length;
    return n;
  }

  /** Sends everything held (acks from all in-sync replicas); returns how many went. */
  async send(): Promise<number> {
    const letters = [...this.held.values()].flat();
    if (letters.length === 0) return 0;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: letters.map((l) => ({
        key: l.record.key,
        value: l.record.value,
        timestamp: l.record.timestampMs.toString(),
        headers: this.headers(l),
      })),
    });
    this.held.clear();
    return letters.length;
  }

  private headers(letter: DeadLetter): IHeaders {
    const { record } = letter;
    const headers: IHeaders = {};
    // kafkajs takes repeated header keys as arrays, in order.
    for (const h of record.headers) {
      const value = h.value ?? Buffer.alloc(0);
      const existing = headers[h.key];
      headers[h.key] =
        existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    }
    headers[DLQ_HEADERS.reason] = letter.reason;
    headers[DLQ_HEADERS.message] = letter.message;
    headers[DLQ_HEADERS.pipeline] = this.pipelineId;
    headers[DLQ_HEADERS.topic] = record.topic;
    headers[DLQ_HEADERS.partition] = String(record.partition);
    headers[DLQ_HEADERS.offset] = record.offset.toString();
    headers[DLQ_HEADERS.timestamp] = record.timestampMs.toString();
    return headers;
  }
}

/** The dead-letter topic is missing and could not be created: the pipeline does not start. */
export class DeadLetterTopicError extends Error {
  override name = 'DeadLetterTopicError';
}

type KafkaError = { type?: string; message: string; errors?: KafkaError[] };

/** The error Kafka answered with (a topic-creation failure carries one per topic, inside). */
function kafkaError(error: unknown): KafkaError {
  const e = error as KafkaError;
  return e.type === undefined ? (e.errors?.find((inner) => inner.type !== undefined) ?? e) : e;
}

/** The partitions of a topic, or undefined when the topic does not exist (or the agent may not see it). */
async function partitionCount(admin: Admin, topic: string): Promise<number | undefined> {
  // Listed first: asking for a missing topic's metadata is answered with an error kafkajs logs as one.
  if (!(await admin.listTopics()).includes(topic)) return undefined;
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  return topics.find((t) => t.name === topic)?.partitions.length;
}

/**
 * Before a `dlq` pipeline reads a record, its dead-letter topic must exist: when it does not, it is
 * created with the (first) source topic's partition count and the cluster's default replication factor.
 * When Kafka refuses (no CREATE permission, a topic-creation policy, a name that collides), the start
 * fails with an error that names the topic and what to do: bad records are never dropped instead.
 * Says whether it created the topic, and with how many partitions (undefined: the cluster's default).
 */
export async function ensureDeadLetterTopic(
  admin: Admin,
  topic: string,
  sourceTopic: string,
): Promise<{ created: false } | { created: true; partitions: number | undefined }> {
  const fail = (what: string, error: unknown, todo: string): never => {
    const { type, message } = kafkaError(error);
    const reason = type === undefined ? message : `${type}: ${message}`;
    throw new DeadLetterTopicError(
      `dead-letter topic "${topic}" ${what} (${reason}). ${todo}, or choose the skip or pause ` +
        'bad-record policy; until then the pipeline does not start, so no bad record is dropped',
      { cause: error },
    );
  };
  let existing: number | undefined;
  try {
    existing = await partitionCount(admin, topic);
  } catch (error) {
    fail(
      'could not be looked up',
      error,
      "Check that Kafka is reachable and the agent's Kafka user may DESCRIBE it",
    );
  }
  if (existing !== undefined) return { created: false };
  // Unknown when the source topic is missing too (or not visible to the agent): the cluster's default.
  const partitions = await partitionCount(admin, sourceTopic).catch(() => undefined);
  try {
    // No replication factor: the cluster's default. false: it was there after all (made meanwhile).
    const made = await admin.createTopics({
      topics: [{ topic, ...(partitions !== undefined && { numPartitions: partitions }) }],
      waitForLeaders: true,
    });
    if (!made) return { created: false };
  } catch (error) {
    const { type } = kafkaError(error);
    const how = `in your Kafka${partitions === undefined ? '' : ` with ${partitions} partitions, as "${sourceTopic}" has`}`;
    const todo =
      type === 'TOPIC_AUTHORIZATION_FAILED' || type === 'CLUSTER_AUTHORIZATION_FAILED'
        ? `Create it ${how}, or allow the agent's Kafka user to CREATE it (it needs DESCRIBE and WRITE on it too)`
        : type === 'POLICY_VIOLATION'
          ? `The cluster's topic-creation policy refused it: create it ${how}, as the policy allows`
          : `Create it ${how}`;
    fail('does not exist and Kafka refused to create it', error, todo);
  }
  return { created: true, partitions };
}
