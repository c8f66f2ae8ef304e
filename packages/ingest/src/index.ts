// Kafka -> decode -> Arrow batches -> Iceberg commits. Knows nothing of the control plane.

export {
  Backfill,
  BackfillEndedError,
  type BackfillHost,
  type BackfillProgress,
  type BackfillRequest,
  backfillBranch,
} from './backfill/backfill-runner';
export { abortBackfill, type CutoverOutcome, CutoverRefusedError, cutover } from './backfill/cutover';
export type { RangeEnd, RangeStart } from './backfill/range';
export { type BackfillValidation, type PartitionCheck, validateBackfill } from './backfill/validate';
export { type DataWritten, decodeDataWritten } from './commit/handover';
export {
  carriedOffsets,
  decodeOffsets,
  encodeOffsets,
  OFFSETS_PREFIX,
  type OffsetMap,
  offsetsAt,
  offsetsKey,
  parseTpKey,
  tableOffsets,
  tpKey,
} from './commit/offsets';
export { type CommitterMark, committerKey, committerMark } from './commit/pooled-committer';
export { type CommitOutcome, FencedError, TableSink, type TableSinkOptions } from './commit/table-sink';
export { DeadLetterTopic, DeadLetterTopicError, DLQ_HEADERS, ensureDeadLetterTopic } from './dead-letters';
export {
  createValueDecoder,
  DEFAULT_MAX_VALUE_BYTES,
  type ValueDecoderOptions,
  type ValueFormat,
} from './decode/create-decoder';
export {
  type DeadLetterReason,
  RecordRejectedError,
  type TypedValue,
  type ValueDecoder,
} from './decode/decoded';
export {
  type ReferencedSchema,
  type RegisteredSchema,
  type SchemaReference,
  SchemaRegistry,
  SchemaRegistryError,
  type SchemaRegistryOptions,
  type SchemaToRegister,
  type SchemaType,
} from './decode/registry';
export { SchemalessJsonDecoder } from './decode/schemaless-json';
export { chooseEngine, type EngineChoice, EngineUnavailableError } from './engine/choose-engine';
export type {
  EngineName,
  RawBatch,
  RawRecord,
  TableWriter,
  TableWriterConfig,
  WrittenDataFile,
} from './engine/engine';
export { nativeEngineStatus } from './engine/native-module';
export { PortableTableWriter } from './engine/portable-writer';
export { type RecordReader, recordReader } from './engine/read-record';
export { fitRecord, type SchemaChange, type SchemaPolicy } from './fit/fit-record';
export { mergeStructs } from './fit/merge-types';
export { createKafka, type KafkaClient, type KafkaOptions, type KafkaSasl } from './kafka/client';
export type { KafkaLogger, KafkaLogLevel, KafkaLogRecord } from './kafka/log';
export { NativeSource, nativeConsumerRefusal } from './kafka/native-source';
export type { ConsumerName, FetchedPartition, RecordSource, SourceHandlers } from './kafka/record-source';
export {
  type KafkaSecurity,
  type KafkaSecurityHost,
  kafkaFailure,
  kafkaSecurityOptions,
} from './kafka/security';
export { KAFKA_COLUMN, RecordMapper } from './mapping/map-record';
export { parseIso8601 } from './mapping/timestamps';
export { INGEST_NODE_FLAGS, missingNodeFlags } from './node-flags';
export { controlTopicName } from './pipeline/control-topic';
export { type PartitionLag, PipelineMetrics } from './pipeline/metrics';
export type { IngestLog, PartitionProgress, PipelineObserver } from './pipeline/observer';
export {
  ConsumerUnavailableError,
  chooseConsumer,
  type OpenedPipeline,
  openPipeline,
  type PipelineHost,
} from './pipeline/open-pipeline';
export { PipelinePausedError, PipelineRunner, type PipelineRunnerOptions } from './pipeline/pipeline-runner';
export { openTableAccess, restCatalogOptions, type TableAccessHost } from './pipeline/table-access';
export { type RollbackOutcome, RollbackRefusedError, rollbackPipelineTable } from './recovery/rollback';
