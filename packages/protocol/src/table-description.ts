import { z } from 'zod';
import { discoveredTypeSchema } from './discovery';

// What `table.describe` brings back from the customer's catalog: the table's metadata, never a row
// and never a partition value. Snapshot summaries are reduced to counts and to who wrote them.

// Bounded so that a description's worst case stays near 1 MiB of JSON, within one event batch.
export const TABLE_DESCRIPTION_LIMITS = {
  columns: 1000,
  columnDepth: 8,
  columnNameLength: 100,
  snapshots: 100,
  refs: 100,
  schemas: 50,
  namesPerChange: 20,
} as const;

const int64 = z.string().regex(/^-?\d{1,19}$/, 'a 64-bit integer as a decimal string');
const count = z.number().int().nonnegative();
// Column names are the table's own metadata; bounded like every string an agent sends.
const columnName = z.string().min(1).max(TABLE_DESCRIPTION_LIMITS.columnNameLength);
// A column named by its path, as the schema history lists them.
const columnPath = z
  .string()
  .min(1)
  .max(TABLE_DESCRIPTION_LIMITS.columnNameLength * 2);

export const tableColumnSchema = z.object({
  id: count,
  /** Names from the top-level column down (a struct's columns are listed after it). */
  path: z.array(columnName).min(1).max(TABLE_DESCRIPTION_LIMITS.columnDepth),
  type: discoveredTypeSchema,
  /** A list's element type, a map's value type; null otherwise. */
  elementType: discoveredTypeSchema.nullable(),
  required: z.boolean(),
});

/** Who made a snapshot, read from its summary: Floe's ingest (Kafka offsets), its compaction, or another engine. */
export const snapshotWriterSchema = z.enum(['ingest', 'compaction', 'floe', 'other']);

export const tableSnapshotSchema = z.object({
  snapshotId: int64,
  timestampMs: z.number().int(),
  operation: z.enum(['append', 'replace', 'overwrite', 'delete', 'other']),
  writer: snapshotWriterSchema,
  schemaId: count.nullable(),
  addedRecords: count,
  deletedRecords: count,
  addedDataFiles: count,
  deletedDataFiles: count,
  addedDeleteFiles: count,
  addedFilesBytes: count,
  /** In main's history (main's head or one of its ancestors): main can be rolled back to it. */
  onMain: z.boolean().optional(),
});

/** A branch or tag of the table (a tag marks a snapshot, e.g. before a risky change). */
export const tableRefSchema = z.object({
  name: z.string().min(1).max(200),
  type: z.enum(['branch', 'tag']),
  snapshotId: int64,
});

export const tableDescriptionSchema = z.object({
  formatVersion: z.number().int().min(1).max(3),
  currentSchemaId: count,
  columns: z.array(tableColumnSchema).max(TABLE_DESCRIPTION_LIMITS.columns),
  /** The table's newest schemas, oldest first, with the columns each added and dropped (the first names of each). */
  schemaHistory: z
    .array(
      z.object({
        schemaId: count,
        columns: count,
        added: z.array(columnPath).max(TABLE_DESCRIPTION_LIMITS.namesPerChange),
        addedCount: count,
        dropped: z.array(columnPath).max(TABLE_DESCRIPTION_LIMITS.namesPerChange),
        droppedCount: count,
      }),
    )
    .max(TABLE_DESCRIPTION_LIMITS.schemas),
  partitionSpec: z
    .array(
      z.object({
        fieldId: count,
        sourceId: count,
        name: columnPath,
        transform: z
          .string()
          .regex(/^(identity|year|month|day|hour|void|bucket\[\d{1,10}\]|truncate\[\d{1,10}\])$/),
      }),
    )
    .max(100),
  /** Main's head; null before the first commit. Unset from an agent older than rollback. */
  currentSnapshotId: int64.nullable().optional(),
  refs: z.array(tableRefSchema).max(TABLE_DESCRIPTION_LIMITS.refs).optional(),
  /** Newest first, at most TABLE_DESCRIPTION_LIMITS.snapshots of them. */
  snapshots: z.array(tableSnapshotSchema).max(TABLE_DESCRIPTION_LIMITS.snapshots),
  totalSnapshots: count,
  /** From the current snapshot's summary; zero for a table without one. */
  totals: z.object({ records: count, dataFiles: count, deleteFiles: count, filesBytes: count }),
  /**
   * The current snapshot's live data files by size (from its manifests), smallest bucket first; each
   * bucket holds files below `belowBytes` (null: the rest). Null when the table has too many files to list.
   */
  fileSizes: z
    .array(z.object({ belowBytes: count.nullable(), dataFiles: count, bytes: count }))
    .max(16)
    .nullable(),
});

export type TableDescription = z.infer<typeof tableDescriptionSchema>;
export type TableSnapshot = z.infer<typeof tableSnapshotSchema>;
