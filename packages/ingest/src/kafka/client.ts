import {
  type Admin,
  type Consumer,
  type ConsumerConfig,
  Kafka,
  Partitioners,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import {
  KAFKA_LOG_LEVELS,
  type KafkaLogger,
  type KafkaLogLevel,
  stderrKafkaLogger,
  toLogRecord,
} from './log';

/**
 * Connection settings in terms every Kafka client has (librdkafka's `bootstrap.servers`,
 * `security.protocol`, `sasl.*`, `ssl.*.pem` included), so the client under them can change.
 */
export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  /** true for TLS with the system's CAs; PEM strings to trust a private CA or present a client certificate. */
  ssl?: boolean | { ca?: string; cert?: string; key?: string };
  sasl?: KafkaSasl;
  logger?: KafkaLogger;
  /** Lowest level passed to the logger; default 'warn'. */
  logLevel?: KafkaLogLevel;
  /** How long a broker connection may take (kafkajs's default 1 s when unset). */
  connectionTimeoutMs?: number;
  /** How often a failed call is tried again (kafkajs's default 5 when unset). */
  retries?: number;
}

type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
export type KafkaSasl =
  | {
      [M in SaslMechanism]: { mechanism: M; username: string; password: string };
    }[SaslMechanism]
  /** A token asked for on every authentication (AWS MSK IAM: msk-iam.ts). */
  | { mechanism: 'oauthbearer'; oauthBearerProvider: () => Promise<{ value: string }> };

/** The three things Floe asks of a Kafka client. */
export interface KafkaClient {
  admin(): Admin;
  producer(config?: ProducerConfig): Producer;
  consumer(config: ConsumerConfig): Consumer;
}

export function createKafka(options: KafkaOptions): KafkaClient {
  const logger = options.logger ?? stderrKafkaLogger;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ssl: options.ssl,
    sasl: options.sasl,
    ...(options.connectionTimeoutMs !== undefined && { connectionTimeout: options.connectionTimeoutMs }),
    ...(options.retries !== undefined && { retry: { retries: options.retries } }),
    logLevel: KAFKA_LOG_LEVELS[options.logLevel ?? 'warn'],
    logCreator: () => (entry) => logger(toLogRecord(entry)),
  });
  return {
    admin: () => kafka.admin(),
    // Naming the partitioner silences kafkajs's v2 warning; it is the default (Java-compatible murmur2) anyway.
    producer: (config) => kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...config }),
    consumer: (config) => kafka.consumer(config),
  };
}
