import type { PipelineSpec } from '@floe/protocol';
import type { DeadLetterTopic } from '../dead-letters';
import type { RecordRejectedError } from '../decode/decoded';
import type { KafkaRecord } from '../mapping/kafka-record';
import type { PipelineMetrics } from './metrics';
import type { IngestLog, PipelineObserver } from './observer';

/** The bad-record policy stopped the pipeline at a record. */
export class PipelinePausedError extends Error {
  override name = 'PipelinePausedError';
}

/**
 * What happens to a record the table cannot take, by the pipeline's bad-record policy: `pause` stops
 * the pipeline at it (PipelinePausedError), `skip` counts and logs it, `dlq` holds it for the
 * dead-letter topic, to be sent with the next commit.
 */
export class BadRecords {
  constructor(
    private readonly spec: PipelineSpec,
    private readonly metrics: PipelineMetrics,
    private readonly log: IngestLog,
    private readonly deadLetters?: DeadLetterTopic,
    private readonly observer?: PipelineObserver,
  ) {}

  get policy(): PipelineSpec['deadLetter']['policy'] {
    return this.spec.deadLetter.policy;
  }

  reject(key: string, record: KafkaRecord, error: RecordRejectedError, table: string): void {
    const where = {
      pipeline: this.spec.id,
      table,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset.toString(),
      reason: error.reason,
    };
    if (this.policy === 'pause') {
      throw new PipelinePausedError(
        `record ${record.topic}/${record.partition}@${record.offset} was rejected (${error.reason}) and the pipeline's bad-record policy is pause`,
      );
    }
    if (this.policy === 'skip') {
      this.metrics.countDeadLetter('skipped');
      this.log('warn', 'record skipped', where);
      return;
    }
    if (this.deadLetters === undefined) throw new Error('the dlq policy needs a dead-letter topic');
    this.deadLetters.add(key, { record, reason: error.reason, message: error.message });
    this.metrics.countDeadLetter(error.reason);
    this.observer?.deadLettered?.(error.reason, 1);
    this.log('warn', 'record dead-lettered', where);
  }
}
