import type { Catalog, S3FileIO } from '@floe/iceberg';
import type { PipelineSpec } from '@floe/protocol';
import { ChangeSet } from '../changes/change-set';
import { afterImageDecoder, envelopeChangeReader, jsonChangeReader } from '../changes/debezium';
import { SinkSet } from '../commit/sink-set';
import { TableSink } from '../commit/table-sink';
import { DeadLetterTopic, ensureDeadLetterTopic } from '../dead-letters';
import { DEFAULT_MAX_VALUE_BYTES } from '../decode/create-decoder';
import type { ValueDecoder } from '../decode/decoded';
import type { SchemaRegistry } from '../decode/registry';
import { type EngineChoice, nativeReads, tableWriters } from '../engine/choose-engine';
import { recordReader } from '../engine/read-record';
import { createKafka, type KafkaClient, type KafkaOptions } from '../kafka/client';
import { KafkajsSource } from '../kafka/kafkajs-source';
import { NativeSource, nativeConsumerRefusal } from '../kafka/native-source';
import { kafkaFailure, kafkaSecurityOptions } from '../kafka/security';
import { RecordMapper } from '../mapping/map-record';
import { pipelineGroupId } from './group-id';
import { PipelineMetrics } from './metrics';
import { type IngestLog, type PipelineObserver, silentLog } from './observer';
import { PipelineRunner } from './pipeline-runner';
import { openTableAccess, type TableAccessHost } from './table-access';

/** What the host (the agent, or a test) gives a pipeline: secrets, AWS credentials, reporting. */
export interface PipelineHost extends TableAccessHost {
  decoder: ValueDecoder;
  /** The registry the decoder reads schemas from: the native engine reads Avro values through it. */
  registry?: SchemaRegistry | undefined;
  /** The decoder's value size limit, which the native engine applies itself (default 8 MiB). */
  maxValueBytes?: number;
  observer?: PipelineObserver;
  log?: IngestLog;
  /** Kafka client id; defaults to floe-<pipeline id>. */
  clientId?: string;
  /**
   * Kafka group session timeout (default 30 s): how long a member that vanished (a killed agent) holds
   * its partitions before the group gives them to the others.
   */
  sessionTimeoutMs?: number;
}

export interface OpenedPipeline {
  runner: PipelineRunner;
  kafka: KafkaClient;
  catalog: Catalog;
  io: S3FileIO;
  /** Starts consuming. */
  start(): Promise<void>;
  /** Stops, commits what it holds, and disconnects everything it opened. */
  stop(): Promise<void>;
}

/** Builds everything one pipeline spec needs (Kafka, catalog, storage, dead letters) and the runner on top. */
export async function openPipeline(spec: PipelineSpec, host: PipelineHost): Promise<OpenedPipeline> {
  const brokers = spec.source.bootstrapServers;
  const kafkaOptions: KafkaOptions = {
    brokers,
    clientId: host.clientId ?? `floe-${spec.id}`,
    ...(await kafkaSecurityOptions(spec.source.security, host)),
  };
  const kafka = createKafka(kafkaOptions);
  const { catalog, io } = await openTableAccess(spec.table, host);
  const mapper = new RecordMapper(spec.mapping, spec.format.key);
  // CDC through the registry: the table's rows are the events' after images, decoded from the records as written.
  const throughRegistry = spec.changes.mode === 'cdc' && spec.format.value !== 'json';
  const read = recordReader(throughRegistry ? afterImageDecoder(host.decoder) : host.decoder, mapper);
  const events =
    spec.changes.mode !== 'cdc'
      ? undefined
      : throughRegistry
        ? envelopeChangeReader(host.decoder, mapper)
        : jsonChangeReader(read);
  const writers = tableWriters(spec, {
    read,
    registry: host.registry,
    maxValueBytes: host.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
    chosen: (table: string, choice: EngineChoice) =>
      host.log?.('info', `table ${table} runs on the ${choice.engine} engine`, {
        pipeline: spec.id,
        table,
        engine: choice.engine,
        reason: choice.reason,
      }),
  });
  const metrics = new PipelineMetrics();
  const sinkFor = (name: string) =>
    new TableSink({
      catalog,
      io,
      id: { namespace: spec.table.namespace, name },
      pipelineId: spec.id,
      policy: spec.schemaPolicy,
      partitionBy: spec.table.partitionBy,
      location: tableLocation(spec, name),
      targetFileSizeBytes: spec.commit.targetFileSizeBytes,
      read,
      writerFor: writers(name),
      stages: metrics.stages,
      ...(spec.changes.mode !== 'append' && { changes: new ChangeSet(spec.changes, name, read, io, events) }),
    });
  const tables = new Set([spec.table.name, ...Object.values(spec.routing?.routes ?? {})]);
  const sinks = new SinkSet(
    new Map([...tables].map((name) => [name, sinkFor(name)])),
    spec.table.name,
    spec.routing,
  );
  const producer = spec.deadLetter.policy === 'dlq' ? kafka.producer({ idempotent: true }) : undefined;
  try {
    if (spec.deadLetter.policy === 'dlq') await readyDeadLetterTopic(spec, kafka, host.log);
    await producer?.connect();
  } catch (error) {
    throw kafkaFailure(error, brokers);
  }
  const consumer = chooseConsumer(spec, kafkaOptions);
  host.log?.('info', `pipeline ${spec.id} fetches with ${consumer.client}`, {
    pipeline: spec.id,
    consumer: consumer.client,
    reason: consumer.reason,
  });
  const sourceOptions = {
    groupId: pipelineGroupId(spec.id),
    topics: spec.source.topics,
    fromBeginning: spec.source.startFrom === 'earliest',
    sessionTimeoutMs: host.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
  };
  const source =
    consumer.client === 'librdkafka'
      ? new NativeSource({ ...sourceOptions, kafka: kafkaOptions, log: host.log ?? silentLog })
      : new KafkajsSource({
          ...sourceOptions,
          kafka,
          indexedBy: nativeReads(spec, host.registry) ? 'native' : 'portable',
          stages: metrics.stages,
        });
  const runner = new PipelineRunner({
    spec,
    kafka,
    source,
    read,
    sinks,
    metrics,
    ...(producer !== undefined && {
      deadLetters: new DeadLetterTopic(producer, spec.deadLetter.topic as string, spec.id),
    }),
    ...(host.observer !== undefined && { observer: host.observer }),
    ...(host.log !== undefined && { log: host.log }),
  });
  return {
    runner,
    kafka,
    catalog,
    io,
    start: () => runner.start().catch((error) => Promise.reject(kafkaFailure(error, brokers))),
    stop: async () => {
      await runner.stop();
      await producer?.disconnect();
    },
  };
}

const DEFAULT_SESSION_TIMEOUT_MS = 30_000;

/** The pipeline asked for librdkafka and it cannot run here: the pipeline fails with the reason. */
export class ConsumerUnavailableError extends Error {
  override name = 'ConsumerUnavailableError';
}

/**
 * The Kafka client that fetches for a pipeline, and why: as the spec asks (librdkafka fails with the
 * reason when it cannot run). `auto` is kafkajs, whose fetches the engines read in place: measured
 * beside librdkafka on the same topic it costs less CPU per record (bench/results/ingest-2026-12-06.md),
 * since librdkafka hands over one message per poll event.
 */
export function chooseConsumer(
  spec: PipelineSpec,
  kafka: Pick<KafkaOptions, 'sasl'>,
): { client: 'kafkajs' | 'librdkafka'; reason: string } {
  if (spec.consumer !== 'librdkafka') {
    return { client: 'kafkajs', reason: spec.consumer === 'auto' ? 'auto' : 'the pipeline asks for it' };
  }
  const refusal = nativeConsumerRefusal(kafka);
  if (refusal !== undefined) throw new ConsumerUnavailableError(`consumer librdkafka: ${refusal}`);
  return { client: 'librdkafka', reason: 'the pipeline asks for it' };
}

/** The dlq policy's topic exists before anything is read: created when missing, or the start fails. */
async function readyDeadLetterTopic(spec: PipelineSpec, kafka: KafkaClient, log: IngestLog | undefined) {
  const topic = spec.deadLetter.topic as string;
  const source = spec.source.topics[0] as string;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const outcome = await ensureDeadLetterTopic(admin, topic, source);
    if (outcome.created)
      log?.('info', `created dead-letter topic ${topic}`, {
        pipeline: spec.id,
        topic,
        partitions: outcome.partitions ?? 'cluster default',
      });
  } finally {
    await admin.disconnect();
  }
}

/** s3://bucket/prefix/namespace/table: the table lives where the pipeline's storage says. */
function tableLocation(spec: PipelineSpec, name: string): string {
  const { bucket, prefix } = spec.table.storage;
  const path = [prefix.replace(/^\/+|\/+$/g, ''), ...spec.table.namespace, name].filter(Boolean);
  return `s3://${bucket}/${path.join('/')}`;
}
