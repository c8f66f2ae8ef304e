import { parseTransform, type Transform, transformToString } from '../transform/transform';
import {
  asArray,
  asInt,
  asLong,
  asObject,
  asString,
  asStringMap,
  type Json,
  type JsonObject,
  parseJson,
  stringifyJson,
} from '../util/json';
import { type PartitionSpec, partitionSpecFromJson, partitionSpecToJson } from './partition-spec';
import { type Schema, schemaFromJson, schemaToJson } from './schema';

/** Metadata members that hold 64-bit integers: parsed as bigint so none is rounded. */
export const LONG_KEYS: ReadonlySet<string> = new Set([
  'snapshot-id',
  'parent-snapshot-id',
  'current-snapshot-id',
  'snapshot-ids',
  'sequence-number',
  'last-sequence-number',
  'max-ref-age-ms',
  'max-snapshot-age-ms',
  'first-row-id',
  'next-row-id',
  'added-rows',
]);

export interface Snapshot {
  snapshotId: bigint;
  parentSnapshotId?: bigint;
  sequenceNumber: bigint;
  timestampMs: number;
  manifestList: string;
  /** "operation" plus string properties (added-records, ... and callers' own, e.g. Kafka offsets). */
  summary: { operation: string } & Record<string, string>;
  schemaId?: number;
  /** v3 row lineage. */
  firstRowId?: bigint;
  addedRows?: bigint;
}

export interface SnapshotRef {
  snapshotId: bigint;
  type: 'branch' | 'tag';
  maxRefAgeMs?: bigint;
  maxSnapshotAgeMs?: bigint;
  minSnapshotsToKeep?: number;
}

/** A snapshot's statistics file (Puffin, spec "Table Statistics"); Floe carries them, it writes none. */
export interface StatisticsFile {
  snapshotId: bigint;
  statisticsPath: string;
  fileSizeInBytes: bigint;
  fileFooterSizeInBytes: bigint;
  keyMetadata?: string;
  /** Kept as read (64-bit ids exact) and written back unchanged. */
  blobMetadata: Json[];
}

/** A snapshot's partition statistics file (spec "Partition Statistics"). */
export interface PartitionStatisticsFile {
  snapshotId: bigint;
  statisticsPath: string;
  fileSizeInBytes: bigint;
}

export interface SortField {
  sourceId: number;
  transform: Transform;
  direction: 'asc' | 'desc';
  nullOrder: 'nulls-first' | 'nulls-last';
}

export interface SortOrder {
  orderId: number;
  fields: SortField[];
}

export const UNSORTED: SortOrder = { orderId: 0, fields: [] };

export interface TableMetadata {
  formatVersion: number;
  tableUuid: string;
  location: string;
  lastSequenceNumber: bigint;
  lastUpdatedMs: number;
  lastColumnId: number;
  schemas: Schema[];
  currentSchemaId: number;
  partitionSpecs: PartitionSpec[];
  defaultSpecId: number;
  lastPartitionId: number;
  properties: Record<string, string>;
  currentSnapshotId: bigint | null;
  snapshots: Snapshot[];
  snapshotLog: { snapshotId: bigint; timestampMs: number }[];
  metadataLog: { metadataFile: string; timestampMs: number }[];
  sortOrders: SortOrder[];
  defaultSortOrderId: number;
  refs: Record<string, SnapshotRef>;
  /** v3 row lineage: the first row id the next snapshot assigns. */
  nextRowId?: bigint;
  statistics?: StatisticsFile[];
  partitionStatistics?: PartitionStatisticsFile[];
}

/** The snapshot and its parents, newest first, as far as the table still has them. */
export function* ancestors(id: bigint, byId: ReadonlyMap<bigint, Snapshot>): Generator<Snapshot> {
  const seen = new Set<bigint>();
  let current = byId.get(id);
  while (current !== undefined && !seen.has(current.snapshotId)) {
    seen.add(current.snapshotId);
    yield current;
    current = current.parentSnapshotId === undefined ? undefined : byId.get(current.parentSnapshotId);
  }
}

export function currentSchema(metadata: TableMetadata): Schema {
  const schema = metadata.schemas.find((s) => s.schemaId === metadata.currentSchemaId);
  if (schema === undefined)
    throw new Error(`table ${metadata.location} has no schema ${metadata.currentSchemaId}`);
  return schema;
}

export function defaultSpec(metadata: TableMetadata): PartitionSpec {
  const spec = metadata.partitionSpecs.find((s) => s.specId === metadata.defaultSpecId);
  if (spec === undefined)
    throw new Error(`table ${metadata.location} has no partition spec ${metadata.defaultSpecId}`);
  return spec;
}

export function currentSnapshot(metadata: TableMetadata): Snapshot | undefined {
  const id = metadata.refs.main?.snapshotId ?? metadata.currentSnapshotId;
  return id === null ? undefined : metadata.snapshots.find((s) => s.snapshotId === id);
}

// ---------------------------------------------------------------------------------------------
// JSON (spec Appendix C, "Table Metadata and Snapshots")

export function parseTableMetadata(text: string): TableMetadata {
  return tableMetadataFromJson(parseJson(text, LONG_KEYS));
}

export function tableMetadataFromJson(json: unknown): TableMetadata {
  const o = asObject(json, 'table metadata');
  const formatVersion = asInt(o['format-version'], 'format-version');
  // v1 metadata may carry only the single "schema" / "partition-spec" of older writers.
  const schemas =
    o.schemas === undefined ? [schemaFromJson(o.schema)] : asArray(o.schemas, 'schemas').map(schemaFromJson);
  const partitionSpecs =
    o['partition-specs'] === undefined
      ? [partitionSpecFromJson({ 'spec-id': 0, fields: o['partition-spec'] })]
      : asArray(o['partition-specs'], 'partition-specs').map(partitionSpecFromJson);
  const currentSnapshotId =
    o['current-snapshot-id'] === undefined || o['current-snapshot-id'] === null
      ? null
      : asLong(o['current-snapshot-id'], 'current-snapshot-id');
  const refs: Record<string, SnapshotRef> = {};
  for (const [name, ref] of Object.entries(asObject(o.refs ?? {}, 'refs')))
    refs[name] = refFromJson(ref, name);
  const metadata: TableMetadata = {
    formatVersion,
    tableUuid: asString(o['table-uuid'], 'table-uuid'),
    location: asString(o.location, 'location'),
    lastSequenceNumber:
      o['last-sequence-number'] === undefined
        ? 0n
        : asLong(o['last-sequence-number'], 'last-sequence-number'),
    lastUpdatedMs: asInt(o['last-updated-ms'], 'last-updated-ms'),
    lastColumnId: asInt(o['last-column-id'], 'last-column-id'),
    schemas,
    currentSchemaId:
      o['current-schema-id'] === undefined
        ? (schemas[0]?.schemaId ?? 0)
        : asInt(o['current-schema-id'], 'current-schema-id'),
    partitionSpecs,
    defaultSpecId: o['default-spec-id'] === undefined ? 0 : asInt(o['default-spec-id'], 'default-spec-id'),
    lastPartitionId:
      o['last-partition-id'] === undefined ? 999 : asInt(o['last-partition-id'], 'last-partition-id'),
    properties: o.properties === undefined ? {} : asStringMap(o.properties, 'properties'),
    // -1 is how older writers said "no snapshot".
    currentSnapshotId: currentSnapshotId === -1n ? null : currentSnapshotId,
    snapshots: asArray(o.snapshots ?? [], 'snapshots').map(snapshotFromJson),
    snapshotLog: asArray(o['snapshot-log'] ?? [], 'snapshot-log').map((e) => {
      const entry = asObject(e, 'snapshot-log entry');
      return {
        snapshotId: asLong(entry['snapshot-id'], 'snapshot-log snapshot-id'),
        timestampMs: asInt(entry['timestamp-ms'], 'snapshot-log timestamp-ms'),
      };
    }),
    metadataLog: asArray(o['metadata-log'] ?? [], 'metadata-log').map((e) => {
      const entry = asObject(e, 'metadata-log entry');
      return {
        metadataFile: asString(entry['metadata-file'], 'metadata-file'),
        timestampMs: asInt(entry['timestamp-ms'], 'metadata-log timestamp-ms'),
      };
    }),
    sortOrders: asArray(o['sort-orders'] ?? [UNSORTED_JSON], 'sort-orders').map(sortOrderFromJson),
    defaultSortOrderId:
      o['default-sort-order-id'] === undefined
        ? 0
        : asInt(o['default-sort-order-id'], 'default-sort-order-id'),
    refs,
  };
  if (o['next-row-id'] !== undefined) metadata.nextRowId = asLong(o['next-row-id'], 'next-row-id');
  if (o.statistics !== undefined)
    metadata.statistics = asArray(o.statistics, 'statistics').map(statisticsFileFromJson);
  if (o['partition-statistics'] !== undefined) {
    metadata.partitionStatistics = asArray(o['partition-statistics'], 'partition-statistics').map((e) => {
      const entry = asObject(e, 'partition-statistics entry');
      return {
        snapshotId: asLong(entry['snapshot-id'], 'partition-statistics snapshot-id'),
        statisticsPath: asString(entry['statistics-path'], 'partition-statistics statistics-path'),
        fileSizeInBytes: asLong(entry['file-size-in-bytes'], 'partition-statistics file-size-in-bytes'),
      };
    });
  }
  return metadata;
}

function statisticsFileFromJson(json: unknown): StatisticsFile {
  const o = asObject(json, 'statistics entry');
  const path = asString(o['statistics-path'], 'statistics-path');
  const file: StatisticsFile = {
    snapshotId: asLong(o['snapshot-id'], `snapshot-id of statistics ${path}`),
    statisticsPath: path,
    fileSizeInBytes: asLong(o['file-size-in-bytes'], `file-size-in-bytes of statistics ${path}`),
    fileFooterSizeInBytes: asLong(
      o['file-footer-size-in-bytes'],
      `file-footer-size-in-bytes of statistics ${path}`,
    ),
    blobMetadata: asArray(o['blob-metadata'] ?? [], `blob-metadata of statistics ${path}`) as Json[],
  };
  if (o['key-metadata'] != null) file.keyMetadata = asString(o['key-metadata'], `key-metadata of ${path}`);
  return file;
}

const UNSORTED_JSON = { 'order-id': 0, fields: [] };

function snapshotFromJson(json: unknown): Snapshot {
  const o = asObject(json, 'snapshot');
  const snapshotId = asLong(o['snapshot-id'], 'snapshot-id');
  const what = `snapshot ${snapshotId}`;
  const summary = asStringMap(o.summary ?? { operation: 'append' }, `summary of ${what}`);
  if (summary.operation === undefined) throw new Error(`summary of ${what} has no operation`);
  const snapshot: Snapshot = {
    snapshotId,
    sequenceNumber:
      o['sequence-number'] === undefined ? 0n : asLong(o['sequence-number'], `sequence-number of ${what}`),
    timestampMs: asInt(o['timestamp-ms'], `timestamp-ms of ${what}`),
    manifestList: asString(o['manifest-list'], `manifest-list of ${what}`),
    summary: summary as Snapshot['summary'],
  };
  if (o['parent-snapshot-id'] != null)
    snapshot.parentSnapshotId = asLong(o['parent-snapshot-id'], `parent of ${what}`);
  if (o['schema-id'] != null) snapshot.schemaId = asInt(o['schema-id'], `schema-id of ${what}`);
  if (o['first-row-id'] != null) snapshot.firstRowId = asLong(o['first-row-id'], `first-row-id of ${what}`);
  if (o['added-rows'] != null) snapshot.addedRows = asLong(o['added-rows'], `added-rows of ${what}`);
  return snapshot;
}

export function snapshotToJson(s: Snapshot): JsonObject {
  return {
    'snapshot-id': s.snapshotId,
    'parent-snapshot-id': s.parentSnapshotId,
    'sequence-number': s.sequenceNumber,
    'timestamp-ms': s.timestampMs,
    'manifest-list': s.manifestList,
    summary: s.summary,
    'schema-id': s.schemaId,
    'first-row-id': s.firstRowId,
    'added-rows': s.addedRows,
  } as JsonObject;
}

function refFromJson(json: unknown, name: string): SnapshotRef {
  const o = asObject(json, `ref "${name}"`);
  const type = asString(o.type, `type of ref "${name}"`);
  if (type !== 'branch' && type !== 'tag') throw new Error(`ref "${name}" has unknown type "${type}"`);
  const ref: SnapshotRef = { snapshotId: asLong(o['snapshot-id'], `snapshot-id of ref "${name}"`), type };
  if (o['max-ref-age-ms'] != null)
    ref.maxRefAgeMs = asLong(o['max-ref-age-ms'], `max-ref-age-ms of ref "${name}"`);
  if (o['max-snapshot-age-ms'] != null) {
    ref.maxSnapshotAgeMs = asLong(o['max-snapshot-age-ms'], `max-snapshot-age-ms of ref "${name}"`);
  }
  if (o['min-snapshots-to-keep'] != null) {
    ref.minSnapshotsToKeep = asInt(o['min-snapshots-to-keep'], `min-snapshots-to-keep of ref "${name}"`);
  }
  return ref;
}

export function refToJson(ref: SnapshotRef): JsonObject {
  return {
    'snapshot-id': ref.snapshotId,
    type: ref.type,
    'max-ref-age-ms': ref.maxRefAgeMs,
    'max-snapshot-age-ms': ref.maxSnapshotAgeMs,
    'min-snapshots-to-keep': ref.minSnapshotsToKeep,
  } as JsonObject;
}

function sortOrderFromJson(json: unknown): SortOrder {
  const o = asObject(json, 'sort order');
  return {
    orderId: asInt(o['order-id'], 'order-id'),
    fields: asArray(o.fields, 'sort order fields').map((value) => {
      const f = asObject(value, 'sort field');
      const direction = asString(f.direction, 'sort direction');
      const nullOrder = asString(f['null-order'], 'null-order');
      if (direction !== 'asc' && direction !== 'desc')
        throw new Error(`unknown sort direction "${direction}"`);
      if (nullOrder !== 'nulls-first' && nullOrder !== 'nulls-last')
        throw new Error(`unknown null-order "${nullOrder}"`);
      return {
        sourceId: asInt(f['source-id'], 'sort field source-id'),
        transform: parseTransform(asString(f.transform, 'sort field transform')),
        direction,
        nullOrder,
      };
    }),
  };
}

export function sortOrderToJson(order: SortOrder): JsonObject {
  return {
    'order-id': order.orderId,
    fields: order.fields.map((f) => ({
      transform: transformToString(f.transform),
      'source-id': f.sourceId,
      direction: f.direction,
      'null-order': f.nullOrder,
    })),
  };
}

export function tableMetadataToJson(m: TableMetadata): JsonObject {
  const refs: JsonObject = {};
  for (const [name, ref] of Object.entries(m.refs)) refs[name] = refToJson(ref);
  return {
    'format-version': m.formatVersion,
    'table-uuid': m.tableUuid,
    location: m.location,
    'last-sequence-number': m.lastSequenceNumber,
    'last-updated-ms': m.lastUpdatedMs,
    'last-column-id': m.lastColumnId,
    'current-schema-id': m.currentSchemaId,
    schemas: m.schemas.map(schemaToJson),
    'default-spec-id': m.defaultSpecId,
    'partition-specs': m.partitionSpecs.map(partitionSpecToJson),
    'last-partition-id': m.lastPartitionId,
    'default-sort-order-id': m.defaultSortOrderId,
    'sort-orders': m.sortOrders.map(sortOrderToJson),
    properties: m.properties,
    'current-snapshot-id': m.currentSnapshotId ?? undefined,
    refs,
    snapshots: m.snapshots.map(snapshotToJson),
    'snapshot-log': m.snapshotLog.map((e) => ({
      'snapshot-id': e.snapshotId,
      'timestamp-ms': e.timestampMs,
    })),
    'metadata-log': m.metadataLog.map((e) => ({
      'metadata-file': e.metadataFile,
      'timestamp-ms': e.timestampMs,
    })),
    'next-row-id': m.nextRowId,
    statistics: m.statistics?.map((f) => ({
      'snapshot-id': f.snapshotId,
      'statistics-path': f.statisticsPath,
      'file-size-in-bytes': f.fileSizeInBytes,
      'file-footer-size-in-bytes': f.fileFooterSizeInBytes,
      'key-metadata': f.keyMetadata,
      'blob-metadata': f.blobMetadata,
    })),
    'partition-statistics': m.partitionStatistics?.map((f) => ({
      'snapshot-id': f.snapshotId,
      'statistics-path': f.statisticsPath,
      'file-size-in-bytes': f.fileSizeInBytes,
    })),
  } as JsonObject;
}

/** Metadata JSON text with every 64-bit id written digit for digit. */
export function stringifyTableMetadata(metadata: TableMetadata): string {
  return stringifyJson(tableMetadataToJson(metadata));
}
