import { setTimeout as sleep } from 'node:timers/promises';
import { parseTpKey, tpKey } from '../commit/offsets';
import { loadNative, type NativeKafkaConsumer } from '../engine/native-module';
import { PackedBatch } from '../engine/packed-batch';
import type { IngestLog } from '../pipeline/observer';
import type { KafkaOptions } from './client';
import type { RecordSource, SourceHandlers } from './record-source';

/** Records and bytes handed over per poll, and how long a poll waits for its first record. */
const POLL_RECORDS = 20_000;
const POLL_BYTES = 8 * 1024 * 1024;
const POLL_WAIT_MS = 100;
const MAX_RETRY_MS = 30_000;

export interface NativeSourceOptions {
  kafka: KafkaOptions;
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  log: IngestLog;
}

/** Why librdkafka cannot consume with these options, if it cannot. */
export function nativeConsumerRefusal(kafka: Pick<KafkaOptions, 'sasl'>): string | undefined {
  const native = loadNative();
  if ('error' in native) return native.error;
  if (native.module.NativeKafkaConsumer === undefined)
    return 'the native engine was built without librdkafka';
  if (kafka.sasl?.mechanism === 'oauthbearer') return 'MSK IAM tokens are signed by the kafkajs client';
  return undefined;
}

/** KafkaOptions in librdkafka's terms (security, SASL, PEMs) plus the group's own settings. */
export function librdkafkaSettings(options: NativeSourceOptions): Record<string, string> {
  const { kafka } = options;
  const tls = kafka.ssl !== undefined && kafka.ssl !== false;
  const settings: Record<string, string> = {
    'bootstrap.servers': kafka.brokers.join(','),
    'client.id': kafka.clientId,
    'group.id': options.groupId,
    'security.protocol': `${kafka.sasl ? 'SASL_' : ''}${tls ? 'SSL' : 'PLAINTEXT'}`,
    'session.timeout.ms': String(options.sessionTimeoutMs),
    'heartbeat.interval.ms': String(Math.min(3_000, Math.floor(options.sessionTimeoutMs / 3))),
    // A partition with no table offset and no group offset: where the pipeline says to start.
    'auto.offset.reset': options.fromBeginning ? 'earliest' : 'latest',
    'isolation.level': 'read_committed',
    // Bounded memory: what librdkafka prefetches, in all. When that much waits, its fetcher pauses
    // for fetch.queue.backoff.ms (1 s by default, which held one consumer near 70k records/s).
    'queued.max.messages.kbytes': String(16 * 1024),
    'fetch.queue.backoff.ms': '5',
    'fetch.wait.max.ms': '100',
    ...(kafka.connectionTimeoutMs !== undefined && {
      'socket.connection.setup.timeout.ms': String(kafka.connectionTimeoutMs),
    }),
  };
  if (typeof kafka.ssl === 'object') {
    if (kafka.ssl.ca !== undefined) settings['ssl.ca.pem'] = kafka.ssl.ca;
    if (kafka.ssl.cert !== undefined) settings['ssl.certificate.pem'] = kafka.ssl.cert;
    if (kafka.ssl.key !== undefined) settings['ssl.key.pem'] = kafka.ssl.key;
  }
  if (kafka.sasl !== undefined && kafka.sasl.mechanism !== 'oauthbearer') {
    settings['sasl.mechanisms'] = kafka.sasl.mechanism.toUpperCase();
    settings['sasl.username'] = kafka.sasl.username;
    settings['sasl.password'] = kafka.sasl.password;
  }
  return settings;
}

/**
 * librdkafka (through the native engine) as a RecordSource: fetching, decompression and the group
 * protocol run in librdkafka's threads, and a poll hands over each partition's records packed in one
 * buffer. The group's assignments wait for the pipeline's positions: a newly assigned partition is
 * assigned in librdkafka only once `assigned` has sought it, so nothing is fetched from anywhere else.
 * Seeks asked for between polls are made before the next poll, and until then the partition's
 * fetched records are not delivered.
 */
export class NativeSource implements RecordSource {
  readonly client = 'librdkafka';
  private readonly consumer: NativeKafkaConsumer;
  private running = false;
  private loop: Promise<void> | undefined;
  /** Partitions assigned in librdkafka, whose records are delivered. */
  private owned = new Set<string>();
  /** While `assigned` runs: where each newly assigned partition starts. */
  private assigning: Map<string, bigint> | undefined;
  private readonly seeks = new Map<string, bigint>();
  private readonly paused = new Set<string>();
  private failures = 0;

  constructor(private readonly options: NativeSourceOptions) {
    const native = loadNative();
    if ('error' in native || native.module.NativeKafkaConsumer === undefined) {
      throw new Error(`the librdkafka consumer cannot run here: ${nativeConsumerRefusal(options.kafka)}`);
    }
    this.consumer = new native.module.NativeKafkaConsumer(librdkafkaSettings(options));
  }

  async start(handlers: SourceHandlers): Promise<void> {
    this.consumer.subscribe(this.options.topics);
    this.running = true;
    this.loop = this.run(handlers);
  }

  private async run(handlers: SourceHandlers): Promise<void> {
    const { log } = this.options;
    while (this.running) {
      this.makeSeeks();
      const polled = await this.consumer.poll(POLL_RECORDS, POLL_BYTES, POLL_WAIT_MS);
      for (const line of polled.logs) log(line.level, `librdkafka: ${line.message}`);
      for (const error of polled.errors) log('warn', `librdkafka: ${error}`);
      if (polled.fatal !== undefined) {
        log('error', `librdkafka: fatal: ${polled.fatal}; the consumer stops`);
        this.running = false;
        break;
      }
      for (const p of polled.partitions) {
        const key = tpKey(p.topic, p.partition);
        if (!this.running || !this.delivers(key)) continue;
        const raw = new PackedBatch(p.topic, p.partition, p.data, p.index);
        await this.deliver(key, raw.offset(0), () =>
          handlers.batch({
            key,
            raw,
            highWatermark: BigInt(p.highWatermark),
            live: () => this.running && this.delivers(key),
            keepAlive: async () => {},
          }),
        );
      }
      for (const event of polled.events) {
        if (event.kind === 'revoked') this.owned = new Set();
        else if (event.kind === 'failed') log('warn', `librdkafka: ${event.message}`);
        else await this.assign(handlers, event.generation as number, event.partitions);
      }
    }
  }

  /** A partition's records are delivered when it is owned, not paused, and no seek waits for it. */
  private delivers(key: string): boolean {
    return this.owned.has(key) && !this.paused.has(key) && !this.seeks.has(key);
  }

  /** A handler that fails has its partition read again from the batch's start, after a backoff. */
  private async deliver(key: string, start: bigint, handle: () => Promise<void>): Promise<void> {
    try {
      await handle();
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      const wait = Math.min(MAX_RETRY_MS, 500 * 2 ** (this.failures - 1));
      this.options.log('error', 'taking fetched records failed; reading them again', {
        partition: key,
        error: (error as Error).message,
        retryInMs: wait,
      });
      this.seeks.set(key, start);
      await sleep(wait);
    }
  }

  private async assign(
    handlers: SourceHandlers,
    generation: number,
    partitions: { topic: string; partition: number }[],
  ) {
    const keys = new Set(partitions.map((p) => tpKey(p.topic, p.partition)));
    this.assigning = new Map();
    const starts = this.assigning;
    try {
      await handlers.assigned(keys);
    } finally {
      this.assigning = undefined;
    }
    for (const key of keys) this.seeks.delete(key);
    const assigned = this.consumer.assign(
      generation,
      [...keys].map((key) => ({ ...parseTpKey(key), offset: toNumber(starts.get(key)) })),
    );
    if (assigned) this.owned = keys;
  }

  seek(key: string, offset: bigint): void {
    if (this.assigning !== undefined) this.assigning.set(key, offset);
    else this.seeks.set(key, offset);
  }

  /** Seeks asked for since the last poll, before the next one. */
  private makeSeeks(): void {
    for (const [key, offset] of this.seeks) {
      const { topic, partition } = parseTpKey(key);
      if (this.owned.has(key)) this.consumer.seek(topic, partition, Number(offset));
    }
    this.seeks.clear();
  }

  pause(key: string): void {
    this.paused.add(key);
    const { topic, partition } = parseTpKey(key);
    if (this.owned.has(key)) this.consumer.pause(topic, partition);
  }

  commitOffsets(offsets: { topic: string; partition: number; offset: bigint }[]): Promise<void> {
    return this.consumer.commit(offsets.map((o) => ({ ...o, offset: Number(o.offset) })));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  disconnect(): Promise<void> {
    return this.consumer.close();
  }
}

function toNumber(offset: bigint | undefined): number | undefined {
  return offset === undefined ? undefined : Number(offset);
}
