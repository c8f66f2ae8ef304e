import type { DiscoveredField } from './table-proposal';

// What the wizard shows a table will hold, for the chosen mode, key and delete representation. It is
// made from the proposed schema (names and types): discovery sends back no record value, so there is
// no row to show, only the columns and what a record, a tombstone or a change event does to them.

export type ChangesMode = 'append' | 'upsert' | 'cdc';
export type ChangeDeletes = 'deletion-vectors' | 'position-deletes' | 'equality-deletes';

export interface PreviewColumn {
  name: string;
  /** The Iceberg type discovered, or null when no schema was proposed (the first records decide). */
  type: string | null;
  /** One of the table's Iceberg identifier fields (the key). */
  identifier: boolean;
}

export interface TablePreview {
  columns: PreviewColumn[];
  /** What each kind of record does to the table, in words naming the key columns. */
  rules: string[];
  /** How an updated or deleted row is marked, or null for an append table (nothing is deleted). */
  deletes: string | null;
}

const DELETES: Record<ChangeDeletes, string> = {
  'deletion-vectors':
    'deletion vectors in Puffin files (an Iceberg v3 table): read by pyiceberg and Iceberg Java (Spark, Flink); compaction drops them',
  'position-deletes':
    'position delete files (an Iceberg v2 table): read by pyiceberg and Iceberg Java (Spark, Flink), and by engines without v3; compaction drops them',
  'equality-deletes':
    'equality delete files on the key: only engines that apply them read the table right (Iceberg Java, Spark, Flink, Trino); pyiceberg would return deleted rows, and Floe does not compact them',
};

/** The table a pipeline will make: its columns with the key marked, what records do, how deletes are kept. */
export function tablePreview(input: {
  mode: ChangesMode;
  key: string[];
  deletes: ChangeDeletes;
  fields: DiscoveredField[];
}): TablePreview {
  const { mode, deletes, fields } = input;
  const key = mode === 'append' ? [] : input.key;
  const topLevel = fields
    .filter((f) => f.path.length === 1)
    .map((f) => ({ name: f.path[0] as string, type: f.type }));
  const discovered = new Map(topLevel.map((f) => [f.name, f.type]));
  const columns: PreviewColumn[] = [
    ...key.map((name) => ({ name, type: discovered.get(name) ?? null, identifier: true })),
    ...topLevel.filter((f) => !key.includes(f.name)).map((f) => ({ ...f, identifier: false })),
    { name: '_kafka', type: 'struct', identifier: false },
  ];
  const named = key.length > 0 ? `(${key.join(', ')})` : '(the key fields)';
  const withKey = key.length > 1 ? `those ${key.join(', ')}` : `that ${key[0] ?? 'key'}`;
  if (mode === 'append')
    return {
      columns,
      rules: ['every record is a new row; nothing is updated or deleted'],
      deletes: null,
    };
  const rules =
    mode === 'upsert'
      ? [
          `a record with key ${named} replaces the row with ${withKey}, or adds it when there is none`,
          `a tombstone (a null value) deletes the row with ${withKey}, read from its Kafka key`,
          'the latest record per key wins, in offset order; a record without a key is rejected with the reason',
        ]
      : [
          `Debezium op c, u and r (snapshot reads) write the after-image: it replaces the row with ${withKey} ${named}, or adds it`,
          `Debezium op d deletes the row with ${withKey}; the before-image is not kept`,
          'an update that changes the key deletes the row under the old key and writes the new one',
          `a tombstone deletes the row with ${withKey}, read from its Kafka key; an event without a key is rejected with the reason`,
        ];
  return { columns, rules, deletes: DELETES[deletes] };
}
