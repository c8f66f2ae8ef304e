import { branchHead, type Catalog, rollbackBranch, type TableIdentifier, tableName } from '@floe/iceberg';
import type { Admin } from 'kafkajs';
import { type OffsetMap, offsetsAt, parseTpKey, tableOffsets } from '../commit/offsets';
import { pipelineGroupId } from '../pipeline/group-id';

/** A rollback that would lose records or leave the pipeline without a place to resume: nothing was changed. */
export class RollbackRefusedError extends Error {
  override name = 'RollbackRefused';
}

export interface RollbackOutcome {
  fromSnapshotId: bigint;
  toSnapshotId: bigint;
  /** Where the pipeline resumes: the offsets the snapshot rolled back to carries. */
  offsets: OffsetMap;
  /** Records the table held past those offsets, which the pipeline reads again from Kafka. */
  recordsToReread: bigint;
  /** Whether the pipeline's consumer group was moved back too (only while none of its members runs). */
  groupMoved: boolean;
}

/**
 * Rolls a pipeline's table back to `snapshotId` on main, so that ingestion resumes from the offsets
 * that snapshot carries and reads again what followed. Refused, with nothing changed, when Kafka no
 * longer has a record the pipeline would have to read again (retention deleted it), or when the
 * snapshot predates the pipeline's first commit of a partition it holds now (it would resume that
 * partition from its consumer group, past the records the rollback removes).
 */
export async function rollbackPipelineTable({
  catalog,
  admin,
  id,
  pipelineId,
  snapshotId,
}: {
  catalog: Catalog;
  admin: Admin;
  id: TableIdentifier;
  pipelineId: string;
  snapshotId: bigint;
}): Promise<RollbackOutcome> {
  const table = tableName(id);
  const { metadata } = await catalog.loadTable(id);
  const head = branchHead(metadata, 'main');
  const target = metadata.snapshots.find((s) => s.snapshotId === snapshotId);
  if (head === undefined || target === undefined)
    throw new RollbackRefusedError(`${table} has no snapshot ${snapshotId}`);
  const now = tableOffsets(metadata, pipelineId);
  const then = offsetsAt(metadata, target, pipelineId);
  const missing = [...now.keys()].filter((key) => !then.has(key));
  if (missing.length > 0)
    throw new RollbackRefusedError(
      `${table}: snapshot ${snapshotId} holds no offsets of pipeline ${pipelineId} for ${missing.join(', ')}; roll back to a snapshot after its first commit there`,
    );
  const gone = await outOfRetention(admin, then);
  if (gone.length > 0)
    throw new RollbackRefusedError(
      `${table}: Kafka no longer has the records the pipeline would read again (${gone.join('; ')}); rolling back to snapshot ${snapshotId} would lose them`,
    );
  await rollbackBranch(catalog, id, snapshotId);
  let recordsToReread = 0n;
  for (const [key, offset] of now) recordsToReread += offset - (then.get(key) ?? offset);
  return {
    fromSnapshotId: head.snapshotId,
    toSnapshotId: snapshotId,
    offsets: then,
    recordsToReread,
    groupMoved: await moveGroup(admin, pipelineId, then),
  };
}

/**
 * Moves the pipeline's consumer group back to the offsets rolled back to, so that a stopped pipeline's
 * first fetch after its restart is there (the table's offsets are the truth, but the runner seeks to
 * them on the first batch it fetches, and from the group's old offsets an idle topic gives none).
 * Kafka allows this only while the group has no member: a pipeline still running is fenced at its
 * next commit instead. Returns whether the group moved.
 */
async function moveGroup(admin: Admin, pipelineId: string, offsets: OffsetMap): Promise<boolean> {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const [key, offset] of offsets) {
    const { topic, partition } = parseTpKey(key);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset: offset.toString() }]);
  }
  try {
    for (const [topic, partitions] of byTopic)
      await admin.setOffsets({ groupId: pipelineGroupId(pipelineId), topic, partitions });
    return true;
  } catch {
    return false;
  }
}

/** Partitions whose resume offset is below the oldest offset Kafka still keeps, in words. */
async function outOfRetention(admin: Admin, offsets: OffsetMap): Promise<string[]> {
  const byTopic = new Map<string, Map<number, bigint>>();
  for (const [key, offset] of offsets) {
    const { topic, partition } = parseTpKey(key);
    const partitions = byTopic.get(topic) ?? new Map<number, bigint>();
    partitions.set(partition, offset);
    byTopic.set(topic, partitions);
  }
  const gone: string[] = [];
  for (const [topic, partitions] of byTopic) {
    for (const { partition, low } of await admin.fetchTopicOffsets(topic)) {
      const offset = partitions.get(partition);
      if (offset !== undefined && offset < BigInt(low))
        gone.push(`${topic}:${partition} from offset ${offset}, Kafka keeps ${low} on`);
    }
  }
  return gone;
}
