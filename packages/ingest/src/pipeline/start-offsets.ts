import type { PipelineSpec } from '@floe/protocol';
import type { Admin } from 'kafkajs';
import { parseTpKey, tpKey } from '../commit/offsets';
import type { SinkSet } from '../commit/sink-set';

export interface StartOffsetsContext {
  admin: Admin;
  /** Records offsets in the group (through its member: the group is not empty). */
  commit(offsets: { topic: string; partition: number; offset: bigint }[]): Promise<void>;
  groupId: string;
  sinks: SinkSet;
  startFrom: PipelineSpec['source']['startFrom'];
}

/**
 * Where partitions the table has no offsets for begin: the group's committed offset if an earlier
 * run recorded one, else the pipeline's start position, which is then recorded in the group so a
 * restart before the first commit begins at the same place (not at a later "latest").
 */
export async function startOffsets(
  { admin, commit, groupId, sinks, startFrom }: StartOffsetsContext,
  keys: string[],
): Promise<Map<string, bigint>> {
  const topics = [...new Set(keys.map((k) => parseTpKey(k).topic))];
  const starts = new Map<string, bigint>();
  const group = await admin.fetchOffsets({ groupId, topics });
  for (const t of group) {
    for (const p of t.partitions) {
      const key = tpKey(t.topic, p.partition);
      // With several tables, the group's offsets follow the one furthest behind only once all hold it.
      if (BigInt(p.offset) >= 0n && !sinks.heldByAny(key)) starts.set(key, BigInt(p.offset));
    }
  }
  const resolved: { topic: string; partition: number; offset: bigint }[] = [];
  for (const topic of topics) {
    const ends =
      typeof startFrom === 'object'
        ? await admin.fetchTopicOffsetsByTimestamp(topic, startFrom.timestampMs)
        : (await admin.fetchTopicOffsets(topic)).map((o) => ({
            partition: o.partition,
            offset: startFrom === 'latest' ? o.high : o.low,
          }));
    for (const o of ends) {
      const key = tpKey(topic, o.partition);
      if (!keys.includes(key) || starts.has(key)) continue;
      starts.set(key, BigInt(o.offset));
      resolved.push({ topic, partition: o.partition, offset: BigInt(o.offset) });
    }
  }
  if (resolved.length > 0) await commit(resolved).catch(() => {});
  return starts;
}
