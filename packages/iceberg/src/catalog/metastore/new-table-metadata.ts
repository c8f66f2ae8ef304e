import { randomUUID } from 'node:crypto';
import { FIRST_PARTITION_FIELD_ID, lastPartitionId, UNPARTITIONED } from '../../spec/partition-spec';
import {
  assignFreshTypeIds,
  highestFieldId,
  idCounter,
  namesById,
  type Schema,
  schemaStruct,
} from '../../spec/schema';
import { type TableMetadata, UNSORTED } from '../../spec/table-metadata';
import type { StructType } from '../../spec/types';
import type { CreateTableRequest } from '../catalog';

const RESERVED_PROPERTIES = new Set(['format-version']);

/**
 * The first metadata of a new table, as a REST catalog server makes it: column ids assigned afresh
 * from 1, partition field ids from 1000 and sort order id 1 (0 when unsorted), whatever ids the
 * request carried; the format version from the "format-version" property (2 by default).
 */
export function newTableMetadata(
  request: CreateTableRequest,
  location: string,
  nowMs: number,
): TableMetadata {
  const fields = (assignFreshTypeIds(schemaStruct(request.schema), idCounter(0)) as StructType).fields;
  const draft: Schema = { schemaId: 0, fields, identifierFieldIds: [] };
  const newId = freshIdOf(request.schema, draft);
  const schema: Schema = { ...draft, identifierFieldIds: request.schema.identifierFieldIds.map(newId) };
  const requestedSpec = request.partitionSpec ?? UNPARTITIONED;
  const spec = {
    specId: 0,
    fields: requestedSpec.fields.map((f, i) => ({
      ...f,
      sourceId: newId(f.sourceId),
      fieldId: FIRST_PARTITION_FIELD_ID + i,
    })),
  };
  const requestedOrder = request.sortOrder ?? UNSORTED;
  const sortOrder =
    requestedOrder.fields.length === 0
      ? UNSORTED
      : { orderId: 1, fields: requestedOrder.fields.map((f) => ({ ...f, sourceId: newId(f.sourceId) })) };
  const properties = Object.fromEntries(
    Object.entries(request.properties ?? {}).filter(([key]) => !RESERVED_PROPERTIES.has(key)),
  );
  const formatVersion = Number(request.properties?.['format-version'] ?? 2);
  if (![1, 2, 3].includes(formatVersion)) {
    throw new Error(
      `${request.name}: unsupported format-version "${request.properties?.['format-version']}"`,
    );
  }
  const metadata: TableMetadata = {
    formatVersion,
    tableUuid: randomUUID(),
    location: location.replace(/\/+$/, ''),
    lastSequenceNumber: 0n,
    lastUpdatedMs: nowMs,
    lastColumnId: highestFieldId(schema),
    schemas: [schema],
    currentSchemaId: 0,
    partitionSpecs: [spec],
    defaultSpecId: 0,
    lastPartitionId: lastPartitionId(spec),
    properties,
    currentSnapshotId: null,
    snapshots: [],
    snapshotLog: [],
    metadataLog: [],
    sortOrders: [sortOrder],
    defaultSortOrderId: sortOrder.orderId,
    refs: {},
  };
  if (formatVersion >= 3) metadata.nextRowId = 0n;
  return metadata;
}

/** Maps an id of the requested schema to the fresh id of the same field (fields matched by full name). */
function freshIdOf(requested: Schema, fresh: Schema): (id: number) => number {
  const freshByName = new Map([...namesById(fresh)].map(([id, name]) => [name, id]));
  const requestedNames = namesById(requested);
  return (id) => {
    const name = requestedNames.get(id);
    const mapped = name === undefined ? undefined : freshByName.get(name);
    if (mapped === undefined) throw new Error(`column id ${id} is not in the requested schema`);
    return mapped;
  };
}
