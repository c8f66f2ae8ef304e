import { currentSnapshot, type Snapshot, type TableMetadata } from '@floe/iceberg';

/**
 * The next offset to read per topic-partition: what a table holds of a pipeline. Offsets are bigint
 * (Kafka offsets are 64-bit); in a snapshot summary they are decimal strings.
 */
export type OffsetMap = Map<string, bigint>;

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Summary properties under this prefix belong to Floe pipelines; every Floe commit carries them forward. */
export const OFFSETS_PREFIX = 'floe.offsets.';

export function offsetsKey(pipelineId: string): string {
  return `${OFFSETS_PREFIX}${pipelineId}`;
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

export function parseTpKey(key: string): TopicPartition {
  const at = key.lastIndexOf(':');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/** `{"orders":{"0":"1042","1":"977"}}`: one JSON object per pipeline, topics then partitions. */
export function encodeOffsets(offsets: OffsetMap): string {
  const byTopic: Record<string, Record<string, string>> = {};
  for (const [key, offset] of [...offsets].sort(([a], [b]) => a.localeCompare(b))) {
    const { topic, partition } = parseTpKey(key);
    byTopic[topic] ??= {};
    (byTopic[topic] as Record<string, string>)[String(partition)] = offset.toString();
  }
  return JSON.stringify(byTopic);
}

export function decodeOffsets(text: string): OffsetMap {
  const parsed: unknown = JSON.parse(text);
  const offsets: OffsetMap = new Map();
  if (typeof parsed !== 'object' || parsed === null)
    throw new Error(`offsets summary is not an object: ${text}`);
  for (const [topic, partitions] of Object.entries(parsed as Record<string, unknown>)) {
    for (const [partition, offset] of Object.entries(partitions as Record<string, unknown>)) {
      if (typeof offset !== 'string' || !/^\d+$/.test(offset) || !/^\d+$/.test(partition)) {
        throw new Error(`offsets summary has a bad entry ${topic}/${partition}: ${String(offset)}`);
      }
      offsets.set(tpKey(topic, Number(partition)), BigInt(offset));
    }
  }
  return offsets;
}

/**
 * The pipeline's offsets as the table holds them on the main branch: from the newest snapshot in its
 * ancestry that carries them (a commit by another writer, e.g. Spark, may not carry them forward).
 * Empty when no snapshot does: the pipeline has never committed to this table.
 */
export function tableOffsets(metadata: TableMetadata, pipelineId: string): OffsetMap {
  return offsetsAt(metadata, currentSnapshot(metadata), pipelineId);
}

/** The pipeline's offsets as of `from`: from the newest snapshot in its ancestry that carries them. */
export function offsetsAt(
  metadata: TableMetadata,
  from: Snapshot | undefined,
  pipelineId: string,
): OffsetMap {
  const text = summaryValueAt(metadata, from, offsetsKey(pipelineId));
  return text === undefined ? new Map() : decodeOffsets(text);
}

/** A summary property as of `from`: from the newest snapshot in its ancestry that carries it. */
export function summaryValueAt(
  metadata: TableMetadata,
  from: Snapshot | undefined,
  key: string,
): string | undefined {
  for (let snapshot = from; snapshot !== undefined; snapshot = parentOf(metadata, snapshot)) {
    const text = snapshot.summary[key];
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Every pipeline's offsets property of `snapshot`, to carry forward into a child snapshot. */
export function carriedOffsets(snapshot: Snapshot | undefined): Record<string, string> {
  const carried: Record<string, string> = {};
  for (const [key, value] of Object.entries(snapshot?.summary ?? {})) {
    if (key.startsWith(OFFSETS_PREFIX)) carried[key] = value;
  }
  return carried;
}

function parentOf(metadata: TableMetadata, snapshot: Snapshot): Snapshot | undefined {
  const parent = snapshot.parentSnapshotId;
  return parent === undefined ? undefined : metadata.snapshots.find((s) => s.snapshotId === parent);
}
