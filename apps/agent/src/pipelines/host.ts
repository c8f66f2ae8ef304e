import type { IngestLog, PipelineHost, SchemaRegistry, ValueDecoder } from '@floe/ingest';
import type { PipelineSpec } from '@floe/protocol';
import { agentEnv } from '../config';
import type { EventReporter } from '../events';
import type { SecretResolver } from '../secrets';
import type { PipelineSupervisor } from './supervisor';
import { guardPipelineTables } from './table-guard';

export interface HostDeps {
  /** Resolves the secret references the agent's policy allows, and registers them for redaction. */
  secrets: SecretResolver;
  /** The pipeline's value decoder, and the registry it reads schemas from (the native engine's too). */
  decoderFor(
    spec: PipelineSpec,
    secrets: SecretResolver,
  ): Promise<ValueDecoder & { registry?: SchemaRegistry }>;
  /** Credentials for the table's storage; the SDK's default chain when it returns undefined. */
  credentialsFor?(spec: PipelineSpec): PipelineHost['awsCredentials'];
  /** Where commit reports and errors go (metadata only); none when running a spec file on its own. */
  events?: Pick<EventReporter, 'report'>;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * What each pipeline gets from the agent: secrets resolved here, credentials, and reporting back. Each
 * (re)start first checks the pipeline's tables stay inside its storage and inside no other table.
 */
export function pipelineHosts(deps: HostDeps) {
  return async (spec: PipelineSpec, supervisor: PipelineSupervisor): Promise<PipelineHost> => {
    const { events } = deps;
    const log: IngestLog = (level, message, fields) => deps.log(message, { level, ...fields });
    const credentials = deps.credentialsFor?.(spec);
    await guardPipelineTables(spec, {
      resolveSecret: deps.secrets.resolve,
      ...(credentials !== undefined && { awsCredentials: credentials }),
    });
    const sessionTimeoutMs = agentEnv().FLOE_KAFKA_SESSION_TIMEOUT_MS;
    const decoder = await deps.decoderFor(spec, deps.secrets);
    return {
      resolveSecret: deps.secrets.resolve,
      decoder,
      ...(decoder.registry !== undefined && { registry: decoder.registry }),
      ...(credentials !== undefined && { awsCredentials: credentials }),
      log,
      ...(sessionTimeoutMs !== undefined && { sessionTimeoutMs }),
      observer: {
        committed(outcome, progress, deadLettered) {
          events?.report({
            type: 'commit.report',
            pipelineId: spec.id,
            table: outcome.table,
            snapshotId: outcome.snapshotId.toString(),
            committedAtMs: outcome.committedAtMs,
            records: outcome.records,
            bytes: outcome.bytes,
            dataFiles: outcome.dataFiles,
            deleteFiles: outcome.deleteFiles,
            ...(outcome.tableTotals !== undefined && { tableTotals: outcome.tableTotals }),
            deadLettered,
            partitions: progress.map((p) => ({
              topic: p.topic,
              partition: p.partition,
              committedOffset: p.committedOffset.toString(),
              logEndOffset: p.logEndOffset.toString(),
              newestCommittedRecordMs:
                p.newestCommittedRecordMs === null ? null : Number(p.newestCommittedRecordMs),
            })),
          });
        },
        failed(error) {
          events?.report({
            type: 'error',
            pipelineId: spec.id,
            errorClass: error.name,
            message: error.message.slice(0, 2000),
          });
        },
        paused(error) {
          supervisor.paused(spec.id, error);
          events?.report({
            type: 'error',
            pipelineId: spec.id,
            errorClass: error.name,
            message: error.message.slice(0, 2000),
          });
        },
      },
    };
  };
}
