// How a table's rows change, in words for its contract: filled from the pipeline's mode and the way
// it keeps updated and deleted rows (the spec's `changes`), not typed by whoever writes the contract.

export type TableChanges =
  | { mode: 'append' }
  | {
      mode: 'upsert' | 'cdc';
      key: readonly string[];
      deletes: 'deletion-vectors' | 'position-deletes' | 'equality-deletes';
    };

const REPRESENTATION = {
  'deletion-vectors':
    'Updated and deleted rows are Iceberg format v3 deletion vectors (Puffin files, one per data file), which pyiceberg 0.10+ and Iceberg Java 1.8+ (Spark, Flink) apply.',
  'position-deletes':
    'Updated and deleted rows are Iceberg format v2 position delete files, which every Iceberg v2 reader applies.',
  'equality-deletes':
    'Updated and deleted rows are Iceberg format v2 equality delete files on the key: Iceberg Java, Spark, Flink and Trino apply them; pyiceberg cannot read the table.',
} as const;

/** One paragraph: what a record does to the table, and how readers see updated and deleted rows. */
export function describeChanges(changes: TableChanges): string {
  if (changes.mode === 'append')
    return 'Append only: every record is a new row; no row is updated or deleted.';
  const key = changes.key.join(', ');
  const what =
    changes.mode === 'upsert'
      ? `Upsert by key (${key}): the latest record per key is the row; tombstone → row deleted.`
      : `Debezium change events by key (${key}): op c, r or u → row inserted or replaced by the after-image; op d → row deleted; before-image not kept.`;
  return `${what} ${REPRESENTATION[changes.deletes]}`;
}
