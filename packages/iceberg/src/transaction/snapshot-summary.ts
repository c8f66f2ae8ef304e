import type { DataFile } from '../spec/manifest';
import type { Snapshot } from '../spec/table-metadata';

/** Summary keys this library sets itself; callers' properties may not replace them. */
export const COMMIT_ID_KEY = 'floe.commit-id';
/** Each total with the counts of this snapshot that move it: [total, added, removed]. */
const TOTALS = [
  ['total-records', 'added-records', 'deleted-records'],
  ['total-files-size', 'added-files-size', 'removed-files-size'],
  ['total-data-files', 'added-data-files', 'deleted-data-files'],
] as const;
/** Delete file totals and the counts of this snapshot that move them. */
const DELETE_TOTALS = [
  ['total-delete-files', 'added-delete-files', 'removed-delete-files'],
  ['total-position-deletes', 'added-position-deletes', 'removed-position-deletes'],
  ['total-equality-deletes', 'added-equality-deletes', 'removed-equality-deletes'],
] as const;
/**
 * Per kind of delete file: the counts of files added and removed. A deletion vector (a position
 * delete in a Puffin file, format v3) counts as a DV, not as a position delete file, as the spec's
 * summary fields and the reference have it; all three count in the delete files and their rows in
 * the position or equality deletes.
 */
const DELETE_FILE_COUNTS = [
  ['position', 'added-position-delete-files', 'removed-position-delete-files'],
  ['dv', 'added-dvs', 'removed-dvs'],
  ['equality', 'added-equality-delete-files', 'removed-equality-delete-files'],
] as const;

function deleteKind(file: DataFile): (typeof DELETE_FILE_COUNTS)[number][0] | undefined {
  if (file.content === 2) return 'equality';
  if (file.content !== 1) return undefined;
  return file.fileFormat === 'PUFFIN' ? 'dv' : 'position';
}
/** The counts of a manifest rewrite (Java's RewriteManifests keys). */
export const MANIFESTS_CREATED = 'manifests-created';
export const MANIFESTS_KEPT = 'manifests-kept';
export const MANIFESTS_REPLACED = 'manifests-replaced';
export const ENTRIES_PROCESSED = 'entries-processed';
const RESERVED = new Set<string>([
  'operation',
  COMMIT_ID_KEY,
  'changed-partition-count',
  ...TOTALS.flat(),
  ...DELETE_TOTALS.flat(),
  ...DELETE_FILE_COUNTS.flatMap(([, added, removed]) => [added, removed]),
  MANIFESTS_CREATED,
  MANIFESTS_KEPT,
  MANIFESTS_REPLACED,
  ENTRIES_PROCESSED,
]);

export function checkCustomSummary(properties: Record<string, string>): void {
  for (const key of Object.keys(properties)) {
    if (RESERVED.has(key))
      throw new Error(`snapshot summary property "${key}" is set by the writer, not the caller`);
  }
}

export interface SummaryInput {
  operation: 'append' | 'replace' | 'overwrite' | 'delete';
  added: readonly DataFile[];
  /** Delete files the snapshot adds. */
  addedDeletes: readonly DataFile[];
  /** Data files and delete files the snapshot removes. */
  removed: readonly DataFile[];
  parent: Snapshot | undefined;
  commitId: string;
  custom: Record<string, string>;
  /** Properties the operation sets itself. */
  own: Record<string, string>;
}

function counts(files: readonly DataFile[]): [bigint, bigint, bigint] {
  return [
    files.reduce((n, f) => n + f.recordCount, 0n),
    files.reduce((n, f) => n + f.fileSizeInBytes, 0n),
    BigInt(files.length),
  ];
}

/**
 * The summary of a snapshot that adds and removes data files (Java's SnapshotSummary keys: a count is
 * set when it is not zero). Totals continue the parent's; a total the parent lacks is left out, as
 * the reference does, rather than guessed.
 */
export function snapshotSummary(input: SummaryInput): Snapshot['summary'] {
  const { operation, added, addedDeletes, removed, parent, commitId, custom, own } = input;
  const partitions = new Set(
    [...added, ...addedDeletes, ...removed].map((f) =>
      JSON.stringify(f.partition, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)),
    ),
  );
  const summary: Snapshot['summary'] = { ...custom, ...own, operation, [COMMIT_ID_KEY]: commitId };
  const removedDeletes = removed.filter((f) => f.content !== 0);
  const addedCounts = counts(added);
  const removedCounts = counts(removed.filter((f) => f.content === 0));
  // Delete files count in the files' size, as the reference counts them, not in the records.
  addedCounts[1] += counts(addedDeletes)[1];
  removedCounts[1] += counts(removedDeletes)[1];
  TOTALS.forEach(([total, addedKey, removedKey], i) => {
    const plus = addedCounts[i] as bigint;
    const minus = removedCounts[i] as bigint;
    if (plus !== 0n) summary[addedKey] = plus.toString();
    if (minus !== 0n) summary[removedKey] = minus.toString();
    const previous = parent === undefined ? '0' : parent.summary[total];
    if (previous !== undefined) summary[total] = (BigInt(previous) + plus - minus).toString();
  });
  const ofContent = (files: readonly DataFile[], content: number) =>
    counts(files.filter((f) => f.content === content));
  for (const [kind, addedKey, removedKey] of DELETE_FILE_COUNTS) {
    const plus = BigInt(addedDeletes.filter((f) => deleteKind(f) === kind).length);
    const minus = BigInt(removedDeletes.filter((f) => deleteKind(f) === kind).length);
    if (plus !== 0n) summary[addedKey] = plus.toString();
    if (minus !== 0n) summary[removedKey] = minus.toString();
  }
  // Delete files, then the rows position and equality deletes hold.
  const moves: [bigint, bigint][] = [
    [BigInt(addedDeletes.length), BigInt(removedDeletes.length)],
    [ofContent(addedDeletes, 1)[0], ofContent(removedDeletes, 1)[0]],
    [ofContent(addedDeletes, 2)[0], ofContent(removedDeletes, 2)[0]],
  ];
  DELETE_TOTALS.forEach(([total, addedKey, removedKey], i) => {
    const [plus, minus] = moves[i] as [bigint, bigint];
    if (plus !== 0n) summary[addedKey] = plus.toString();
    if (minus !== 0n) summary[removedKey] = minus.toString();
    const previous = parent === undefined ? '0' : parent.summary[total];
    if (previous !== undefined) summary[total] = (BigInt(previous) + plus - minus).toString();
  });
  summary['changed-partition-count'] = String(partitions.size);
  return summary;
}

/** What a snapshot's summary says the table holds: rows of its data files (deleted ones included) and its deletes. */
export interface SummaryTotals {
  records: number;
  deleteFiles: number;
  positionDeletes: number;
}

/** The totals a snapshot's summary states, or undefined when one of them is missing (a writer that keeps no totals). */
export function summaryTotals(summary: Record<string, string>): SummaryTotals | undefined {
  const [records, deleteFiles, positionDeletes] = [
    'total-records',
    'total-delete-files',
    'total-position-deletes',
  ].map((key) => (summary[key] === undefined ? Number.NaN : Number(summary[key])));
  if (![records, deleteFiles, positionDeletes].every((n) => Number.isSafeInteger(n) && (n as number) >= 0))
    return undefined;
  return {
    records: records as number,
    deleteFiles: deleteFiles as number,
    positionDeletes: positionDeletes as number,
  };
}
