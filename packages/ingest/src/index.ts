// Kafka -> decode -> Arrow batches -> Iceberg commits. Knows nothing of the control plane.

export { createKafka, type KafkaClient, type KafkaOptions, type KafkaSasl } from './kafka/client';
export type { KafkaLogger, KafkaLogLevel, KafkaLogRecord } from './kafka/log';
