import type { CommitOutcome } from '../commit/table-sink';
import type { DeadLetterReason } from '../decode/decoded';

/** A structured log line. Fields carry names, counts, offsets and error classes, never record content. */
export type IngestLog = (
  level: 'debug' | 'info' | 'warn' | 'error',
  message: string,
  fields?: Record<string, string | number | boolean | undefined>,
) => void;

export interface PartitionProgress {
  topic: string;
  partition: number;
  committedOffset: bigint;
  logEndOffset: bigint;
  newestCommittedRecordMs: bigint | null;
}

/** What a running pipeline tells its host (the agent), as metadata only. */
export interface PipelineObserver {
  committed?(outcome: CommitOutcome, progress: PartitionProgress[], deadLettered: number): void;
  deadLettered?(reason: DeadLetterReason, count: number): void;
  failed?(error: Error): void;
  /** The pipeline stopped itself: a bad record under the `pause` policy, or an error it cannot get past. */
  paused?(error: Error): void;
}

export const silentLog: IngestLog = () => {};
