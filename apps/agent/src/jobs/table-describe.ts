import {
  ancestors,
  branchHead,
  type IcebergType,
  isPrimitive,
  type LiveFile,
  liveDataFiles,
  MAIN_BRANCH,
  type NestedField,
  primitiveToString,
  type Snapshot,
  type TableMetadata,
  transformToString,
} from '@floe/iceberg';
import { OFFSETS_PREFIX, openTableAccess, type TableAccessHost } from '@floe/ingest';
import {
  discoveredTypeSchema,
  type Job,
  TABLE_DESCRIPTION_LIMITS,
  type TableDescription,
  type TableSnapshot,
  tableDescriptionSchema,
} from '@floe/protocol';

type TableDescribeJob = Extract<Job, { kind: 'table.describe' }>;
type Column = TableDescription['columns'][number];

/** Set on every snapshot Floe's commit path makes (packages/iceberg's snapshot summary). */
const FLOE_COMMIT_KEY = 'floe.commit-id';

/**
 * Reads a table's metadata from the customer's catalog, inside the account, for the table page:
 * columns with their ids and types, how the schema evolved, the partition spec, the newest
 * snapshots reduced to counts and to who wrote them, and the table's totals. No data file is read.
 */
export async function describeTable(job: TableDescribeJob, host: TableAccessHost): Promise<TableDescription> {
  const { catalog, io } = await openTableAccess(job.table, host);
  const { metadata } = await catalog.loadTable({ namespace: job.table.namespace, name: job.table.name });
  const described = tableDescription(metadata);
  const { dataFiles, deleteFiles } = described.totals;
  // The manifests are read (no data file) for the size histogram, unless they list too many files.
  const fileSizes =
    dataFiles + deleteFiles <= MAX_FILES_LISTED ? sizeHistogram(await liveDataFiles(io, metadata)) : null;
  return tableDescriptionSchema.parse({ ...described, fileSizes });
}

/** Above this many files the histogram is left out: reading every manifest would take long. */
const MAX_FILES_LISTED = 200_000;
const MiB = 1024 * 1024;
/** Bucket bounds: small files (what compaction merges) apart from files at the usual targets. */
const SIZE_BOUNDS = [MiB, 8 * MiB, 32 * MiB, 128 * MiB, 512 * MiB];

export function sizeHistogram(files: readonly LiveFile[]): NonNullable<TableDescription['fileSizes']> {
  const buckets = [...SIZE_BOUNDS, null].map((belowBytes) => ({ belowBytes, dataFiles: 0, bytes: 0 }));
  for (const { file } of files) {
    const size = Number(file.fileSizeInBytes);
    const bucket = buckets.find(
      (b) => b.belowBytes === null || size < b.belowBytes,
    ) as (typeof buckets)[number];
    bucket.dataFiles++;
    bucket.bytes += size;
  }
  return buckets;
}

export function tableDescription(metadata: TableMetadata): Omit<TableDescription, 'fileSizes'> {
  const schema = metadata.schemas.find((s) => s.schemaId === metadata.currentSchemaId);
  const spec = metadata.partitionSpecs.find((s) => s.specId === metadata.defaultSpecId);
  const current = metadata.snapshots.find((s) => s.snapshotId === metadata.currentSnapshotId);
  const newestFirst = [...metadata.snapshots].sort((a, b) => b.timestampMs - a.timestampMs);
  const byId = new Map(metadata.snapshots.map((s) => [s.snapshotId, s]));
  const head = branchHead(metadata, MAIN_BRANCH);
  const onMain = new Set(
    head === undefined ? [] : [...ancestors(head.snapshotId, byId)].map((s) => s.snapshotId),
  );
  return {
    formatVersion: metadata.formatVersion,
    currentSchemaId: metadata.currentSchemaId,
    columns: columnsOf(schema?.fields ?? []).slice(0, TABLE_DESCRIPTION_LIMITS.columns),
    schemaHistory: schemaHistory(metadata).slice(-TABLE_DESCRIPTION_LIMITS.schemas),
    partitionSpec: (spec?.fields ?? []).map((f) => ({
      fieldId: f.fieldId,
      sourceId: f.sourceId,
      name: bounded(f.name, columnNameLength * 2),
      transform: transformToString(f.transform),
    })),
    currentSnapshotId: head === undefined ? null : head.snapshotId.toString(),
    refs: Object.entries(metadata.refs)
      .slice(0, TABLE_DESCRIPTION_LIMITS.refs)
      .map(([name, ref]) => ({
        name: bounded(name, 200),
        type: ref.type,
        snapshotId: ref.snapshotId.toString(),
      })),
    snapshots: newestFirst
      .slice(0, TABLE_DESCRIPTION_LIMITS.snapshots)
      .map((s) => ({ ...snapshotSummary(s), onMain: onMain.has(s.snapshotId) })),
    totalSnapshots: metadata.snapshots.length,
    totals: {
      records: figure(current, 'total-records'),
      dataFiles: figure(current, 'total-data-files'),
      deleteFiles: figure(current, 'total-delete-files'),
      filesBytes: figure(current, 'total-files-size'),
    },
  };
}

const { columnDepth, columnNameLength, namesPerChange } = TABLE_DESCRIPTION_LIMITS;

/** A name cut to the protocol's length, marked where it was cut. */
const bounded = (name: string, max: number = columnNameLength) =>
  name.length <= max ? name : `${name.slice(0, max - 1)}…`;

function columnsOf(fields: readonly NestedField[], path: string[] = []): Column[] {
  return fields.flatMap((field) => {
    const here = [...path, bounded(field.name)];
    const column: Column = {
      id: field.id,
      path: here,
      type: typeName(field.type),
      elementType:
        field.type.type === 'list'
          ? typeName(field.type.element)
          : field.type.type === 'map'
            ? typeName(field.type.value)
            : null,
      required: field.required,
    };
    const nested =
      field.type.type === 'struct' && here.length < columnDepth ? columnsOf(field.type.fields, here) : [];
    return [column, ...nested];
  });
}

function typeName(type: IcebergType): Column['type'] {
  const name = isPrimitive(type) ? primitiveToString(type) : type.type;
  // A type this version has no name for (a newer spec's) reads as binary rather than failing the page.
  return discoveredTypeSchema.safeParse(name).success ? name : 'binary';
}

/** Each schema with the columns it added and dropped against the one before (the first names of each). */
function schemaHistory(metadata: TableMetadata): TableDescription['schemaHistory'] {
  let previous = new Map<number, string>();
  const pathName = (c: Column) => bounded(c.path.join('.'), columnNameLength * 2);
  return [...metadata.schemas]
    .sort((a, b) => a.schemaId - b.schemaId)
    .map((schema) => {
      const names = new Map(columnsOf(schema.fields).map((c) => [c.id, pathName(c)]));
      const added = [...names].filter(([id]) => !previous.has(id)).map(([, name]) => name);
      const dropped = [...previous].filter(([id]) => !names.has(id)).map(([, name]) => name);
      previous = names;
      return {
        schemaId: schema.schemaId,
        columns: names.size,
        added: added.slice(0, namesPerChange),
        addedCount: added.length,
        dropped: dropped.slice(0, namesPerChange),
        droppedCount: dropped.length,
      };
    });
}

const OPERATIONS: ReadonlySet<string> = new Set(['append', 'replace', 'overwrite', 'delete']);

function snapshotSummary(snapshot: Snapshot): TableSnapshot {
  const { summary } = snapshot;
  const floe = summary[FLOE_COMMIT_KEY] !== undefined;
  const ingest = Object.keys(summary).some((k) => k.startsWith(OFFSETS_PREFIX));
  return {
    snapshotId: snapshot.snapshotId.toString(),
    timestampMs: snapshot.timestampMs,
    operation: OPERATIONS.has(summary.operation)
      ? (summary.operation as TableSnapshot['operation'])
      : 'other',
    writer:
      floe && ingest && summary.operation === 'append'
        ? 'ingest'
        : floe && summary.operation === 'replace'
          ? 'compaction'
          : floe
            ? 'floe'
            : 'other',
    schemaId: snapshot.schemaId ?? null,
    addedRecords: figure(snapshot, 'added-records'),
    deletedRecords: figure(snapshot, 'deleted-records'),
    addedDataFiles: figure(snapshot, 'added-data-files'),
    deletedDataFiles: figure(snapshot, 'deleted-data-files'),
    addedDeleteFiles: figure(snapshot, 'added-delete-files'),
    addedFilesBytes: figure(snapshot, 'added-files-size'),
  };
}

/** A count from a snapshot summary; 0 when it is missing or not a count. */
function figure(snapshot: Snapshot | undefined, key: string): number {
  const value = Number(snapshot?.summary[key] ?? 0);
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}
