import { removeRef, setTag } from '@floe/iceberg';
import {
  createKafka,
  kafkaFailure,
  kafkaSecurityOptions,
  openTableAccess,
  rollbackPipelineTable,
  type TableAccessHost,
} from '@floe/ingest';
import type { Job } from '@floe/protocol';
import type { PipelineSupervisor } from '../pipelines/supervisor';
import type { TestResult } from './connection-test';

type RollbackJob = Extract<Job, { kind: 'table.rollback' }>;
type TagJob = Extract<Job, { kind: 'table.tag' | 'table.untag' }>;

/**
 * Rolls the pipeline's table back to a snapshot of main. When the pipeline runs on this agent it is
 * stopped first (what it holds is committed, then rolled back with the rest) and started again after,
 * from the offsets the snapshot carries; a pipeline running elsewhere is fenced at its next commit and
 * seeks back itself. The result is metadata: snapshot ids and how many records are read again.
 */
export async function rollbackTable(
  job: RollbackJob,
  host: TableAccessHost,
  pipelines: PipelineSupervisor,
): Promise<TestResult> {
  const spec = job.pipeline;
  const { catalog } = await openTableAccess(spec.table, host);
  const kafka = createKafka({
    brokers: spec.source.bootstrapServers,
    clientId: `floe-${spec.id}-rollback`,
    ...(await kafkaSecurityOptions(spec.source.security, host)),
  });
  const admin = kafka.admin();
  await admin.connect().catch((error) => Promise.reject(kafkaFailure(error, spec.source.bootstrapServers)));
  const running = pipelines.list().find((p) => p.spec.id === spec.id);
  if (running !== undefined) await pipelines.stop(spec.id);
  try {
    const outcome = await rollbackPipelineTable({
      catalog,
      admin,
      id: { namespace: spec.table.namespace, name: spec.table.name },
      pipelineId: spec.id,
      snapshotId: BigInt(job.snapshotId),
    });
    return {
      fromSnapshotId: outcome.fromSnapshotId.toString(),
      toSnapshotId: outcome.toSnapshotId.toString(),
      partitions: outcome.offsets.size,
      recordsToReread: outcome.recordsToReread.toString(),
      groupMoved: outcome.groupMoved,
      restarted: running !== undefined,
    };
  } finally {
    // Running again whether or not the rollback happened: a refused rollback changed nothing.
    if (running !== undefined) await pipelines.apply(running.spec);
    await admin.disconnect();
  }
}

/** Tags a snapshot (e.g. before a risky change), or removes a tag; never a branch. */
export async function changeTag(job: TagJob, host: TableAccessHost): Promise<TestResult> {
  const { catalog } = await openTableAccess(job.table, host);
  const id = { namespace: job.table.namespace, name: job.table.name };
  if (job.kind === 'table.tag') {
    const { metadata } = await setTag(catalog, id, job.name, BigInt(job.snapshotId));
    return { tag: job.name, snapshotId: job.snapshotId, refs: Object.keys(metadata.refs).length };
  }
  const ref = (await catalog.loadTable(id)).metadata.refs[job.name];
  if (ref !== undefined && ref.type !== 'tag') throw new Error(`"${job.name}" is a branch, not a tag`);
  const { metadata } = await removeRef(catalog, id, job.name);
  return { tag: job.name, removed: true, refs: Object.keys(metadata.refs).length };
}
