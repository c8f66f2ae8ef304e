import type { IHeaders, Producer } from 'kafkajs';
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
