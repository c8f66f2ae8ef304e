import {
  currentSnapshot,
  type DataFile,
  FastAppend,
  isWithin,
  type TableMetadata,
  tableFolders,
  tableName,
} from '@floe/iceberg';
import type { Handover } from './handover';
import {
  carriedOffsets,
  encodeOffsets,
  type OffsetMap,
  offsetsKey,
  summaryValueAt,
  tableOffsets,
} from './offsets';
import {
  type CommitOutcome,
  chainRanges,
  FencedError,
  type PartitionCommit,
  summaryOf,
} from './table-commit';
import type { TableSink } from './table-sink';

/**
 * The committer of a pipeline on a pool: which generation of the role it holds and who holds it, and
 * how far into the control topic its last commit read (the next committer resumes there). Stored in
 * every snapshot it commits, under `floe.committer.<pipeline id>`, with how many members' files the
 * snapshot holds (`members`).
 */
export interface CommitterMark {
  generation: number;
  member: string;
  controlOffset: bigint;
}

export function committerKey(pipelineId: string): string {
  return `floe.committer.${pipelineId}`;
}

/** The newest committer mark in the table's main ancestry, if a committer ever committed. */
export function committerMark(metadata: TableMetadata, pipelineId: string): CommitterMark | undefined {
  const text = summaryValueAt(metadata, currentSnapshot(metadata), committerKey(pipelineId));
  if (text === undefined) return undefined;
  const parsed = JSON.parse(text) as { generation: number; member: string; controlOffset: string };
  return {
    generation: Number(parsed.generation),
    member: String(parsed.member),
    controlOffset: BigInt(parsed.controlOffset),
  };
}

/** A committer's generation and identity. A member that takes the role claims one past the table's. */
export interface Committer {
  generation: number;
  member: string;
}

/**
 * A committer of a newer generation (or another of the same one, which committed first) has committed:
 * this one lost the role (a rebalance it slept through: apache/iceberg#17551's zombie) and steps down.
 */
export class SupersededError extends Error {
  override name = 'SupersededError';
}

/** Refuses a commit by `me` on a table whose newest committer mark is not older than mine, or mine. */
export function checkCommitter(inTable: CommitterMark | undefined, me: Committer): void {
  if (inTable === undefined || inTable.generation < me.generation) return;
  if (inTable.generation === me.generation && inTable.member === me.member) return;
  throw new SupersededError(
    `${inTable.member} committed as generation ${inTable.generation}; ${me.member} (generation ${me.generation}) steps down`,
  );
}

/** A member's hand-over as the committer read it from the control topic. */
export interface Received {
  /** The control topic offset of the message. */
  offset: bigint;
  member: string;
  handover: Handover;
}

/** What says where a table keeps its files: its location and write paths. */
type TableFolders = Parameters<typeof tableFolders>[0];

/**
 * Whether every file of a hand-over is a data file in the table's folders (its location, its write
 * paths). The control topic is only metadata, but anything that can produce to it could name any
 * object the agent can read: a file elsewhere in the bucket (another table's rows) must never become
 * part of this table.
 */
export function filesInTable(handover: Handover, table: TableFolders): boolean {
  const folders = tableFolders(table);
  return handover.files.every(
    (f) => f.content === 0 && folders.some((folder) => isWithin(f.filePath, folder)),
  );
}

/**
 * Which hand-overs, in control-topic order, a commit on `table` (its metadata) with offsets
 * `inTable` takes: each one whose files are the table's and whose every range starts where the table
 * (with the ones taken before it) is. The others are refused whole (their files mix partitions) and
 * become orphans; their members read again.
 */
export function acceptHandovers(
  inTable: OffsetMap,
  received: readonly Received[],
  table: TableFolders,
): { accepted: Received[]; refused: Received[]; offsets: OffsetMap } {
  const accepted: Received[] = [];
  const refused: Received[] = [];
  let offsets = inTable;
  for (const r of received) {
    if (!filesInTable(r.handover, table)) {
      refused.push(r);
      continue;
    }
    const next = chainRanges(
      offsets,
      r.handover.ranges.map((range) => ({ key: range.key, from: range.from ?? undefined, to: range.to })),
    );
    if (next instanceof Map) {
      accepted.push(r);
      offsets = next;
    } else refused.push(r);
  }
  return { accepted, refused, offsets };
}

/**
 * Commits the hand-overs of one table that chain onto its offsets as one append snapshot: every
 * member's files, the merged offsets and the committer's mark (generation, member, control offset).
 * The catalog commit asserts its parent; on a conflict the table is read again, and a newer committer
 * there ends this one (SupersededError), a change in what chains ends the attempt (FencedError: the
 * caller decides again next time). Returns the commit (undefined when nothing chained) and the refused.
 */
export async function commitHandovers(
  access: TableSink['access'],
  received: readonly Received[],
  me: Committer,
  controlOffset: bigint,
): Promise<{ outcome: CommitOutcome | undefined; refused: Received[] }> {
  const { catalog, io, id, pipelineId, stages, maxCommitAttempts } = access;
  const table = await catalog.loadTable(id);
  checkCommitter(committerMark(table.metadata, pipelineId), me);
  const plan = acceptHandovers(tableOffsets(table.metadata, pipelineId), received, table.metadata);
  if (plan.accepted.length === 0) return { outcome: undefined, refused: plan.refused };
  const members = new Set(plan.accepted.map((r) => r.member)).size;
  const mark = JSON.stringify({ ...me, controlOffset: controlOffset.toString(), members });
  const append = await FastAppend.start(catalog, io, table, {
    allowEmpty: true,
    summary: (parent, metadata) => {
      checkCommitter(committerMark(metadata, pipelineId), me);
      const again = acceptHandovers(tableOffsets(metadata, pipelineId), received, metadata);
      if (
        again.accepted.length !== plan.accepted.length ||
        again.accepted.some((r, i) => r !== plan.accepted[i])
      ) {
        throw new FencedError(
          `${tableName(id)}: another writer committed meanwhile; the hand-overs are decided again`,
        );
      }
      return {
        ...carriedOffsets(parent),
        [offsetsKey(pipelineId)]: encodeOffsets(again.offsets),
        [committerKey(pipelineId)]: mark,
      };
    },
    ...(maxCommitAttempts !== undefined && { maxAttempts: maxCommitAttempts }),
  });
  const bySpec = new Map<number, DataFile[]>();
  for (const { handover } of plan.accepted) {
    bySpec.set(handover.specId, [...(bySpec.get(handover.specId) ?? []), ...handover.files]);
  }
  for (const [specId, files] of bySpec) {
    const spec = table.metadata.partitionSpecs.find((s) => s.specId === specId);
    if (spec === undefined) throw new Error(`${tableName(id)} has no partition spec ${specId}`);
    if (files.length > 0) append.addDataFiles(files, spec);
  }
  const result = await (stages === undefined
    ? append.commit()
    : stages.time('commit', () => append.commit()));
  const files = plan.accepted.flatMap((r) => r.handover.files);
  return {
    outcome: {
      table: tableName(id),
      snapshotId: result.snapshotId,
      committedAtMs: Date.now(),
      records: files.reduce((n, f) => n + Number(f.recordCount), 0),
      bytes: files.reduce((n, f) => n + Number(f.fileSizeInBytes), 0),
      dataFiles: files.length,
      deleteFiles: 0,
      tableTotals: summaryOf(result.table.metadata, result.snapshotId),
      partitions: mergedPartitions(plan.accepted),
      offsets: tableOffsets(result.table.metadata, pipelineId),
    },
    refused: plan.refused,
  };
}

/** Per partition, what the accepted hand-overs held of it, one after the other. */
function mergedPartitions(accepted: readonly Received[]): PartitionCommit[] {
  const byKey = new Map<string, PartitionCommit>();
  for (const range of accepted.flatMap((r) => r.handover.ranges)) {
    const before = byKey.get(range.key);
    const newest =
      before?.newestRecordMs == null ||
      (range.newestRecordMs !== null && range.newestRecordMs > before.newestRecordMs)
        ? range.newestRecordMs
        : before.newestRecordMs;
    byKey.set(range.key, {
      topic: range.topic,
      partition: range.partition,
      nextOffset: range.to,
      records: (before?.records ?? 0) + range.records,
      newestRecordMs: newest,
    });
  }
  return [...byKey.values()];
}
