import type { DataFile } from '../spec/manifest';
import type { Snapshot } from '../spec/table-metadata';

/** Summary keys this library sets itself; callers' properties may not replace them. */
export const COMMIT_ID_KEY = 'floe.commit-id';
const TOTALS = [
  ['total-records', 'added-records'],
  ['total-files-size', 'added-files-size'],
  ['total-data-files', 'added-data-files'],
] as const;
const UNCHANGED_TOTALS = ['total-delete-files', 'total-position-deletes', 'total-equality-deletes'] as const;
const RESERVED = new Set<string>([
  'operation',
  COMMIT_ID_KEY,
  'added-data-files',
  'added-records',
  'added-files-size',
  'changed-partition-count',
  ...TOTALS.map(([total]) => total),
  ...UNCHANGED_TOTALS,
]);

export function checkCustomSummary(properties: Record<string, string>): void {
  for (const key of Object.keys(properties)) {
    if (RESERVED.has(key))
      throw new Error(`snapshot summary property "${key}" is set by the writer, not the caller`);
  }
}

/**
 * The summary of an append (Java's SnapshotSummary keys). Totals continue the parent's; a total the
 * parent lacks is left out, as the reference does, rather than guessed.
 */
export function appendSummary(
  files: readonly DataFile[],
  parent: Snapshot | undefined,
  commitId: string,
  custom: Record<string, string>,
): Snapshot['summary'] {
  const partitions = new Set(
    files.map((f) => JSON.stringify(f.partition, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))),
  );
  const added: Record<string, bigint> = {
    'added-data-files': BigInt(files.length),
    'added-records': files.reduce((n, f) => n + f.recordCount, 0n),
    'added-files-size': files.reduce((n, f) => n + f.fileSizeInBytes, 0n),
  };
  const summary: Snapshot['summary'] = { ...custom, operation: 'append', [COMMIT_ID_KEY]: commitId };
  for (const [key, value] of Object.entries(added)) summary[key] = value.toString();
  summary['changed-partition-count'] = String(partitions.size);
  for (const [total, addedKey] of TOTALS) {
    const previous = parent === undefined ? '0' : parent.summary[total];
    if (previous !== undefined) summary[total] = (BigInt(previous) + (added[addedKey] as bigint)).toString();
  }
  for (const total of UNCHANGED_TOTALS) {
    const previous = parent === undefined ? '0' : parent.summary[total];
    if (previous !== undefined) summary[total] = previous;
  }
  return summary;
}
