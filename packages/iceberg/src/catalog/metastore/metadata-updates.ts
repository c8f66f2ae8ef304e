import { lastPartitionId, type PartitionSpec, partitionSpecToJson } from '../../spec/partition-spec';
import { highestFieldId, type Schema, schemaToJson } from '../../spec/schema';
import {
  type Snapshot,
  type SortOrder,
  sortOrderToJson,
  type TableMetadata,
} from '../../spec/table-metadata';
import { stringifyJson } from '../../util/json';
import { CommitFailedError } from '../errors';
import type { TableRequirement, TableUpdate } from '../table-commit';

// What a REST catalog server does on commit, for catalogs that only store a pointer to the metadata
// file (Glue): check the requirements against the current metadata, then apply the updates to it.

/** Throws CommitFailedError naming the first requirement the current metadata does not meet. */
export function checkRequirements(
  tableName: string,
  metadata: TableMetadata,
  requirements: readonly TableRequirement[],
): void {
  for (const r of requirements) {
    const fail = (expected: unknown, found: unknown): never => {
      throw new CommitFailedError(
        `${tableName}: requirement ${r.type} failed: expected ${String(expected)}, found ${String(found)}`,
      );
    };
    switch (r.type) {
      case 'assert-create':
        throw new CommitFailedError(`${tableName}: requirement assert-create failed: the table exists`);
      case 'assert-table-uuid':
        if (r.uuid !== metadata.tableUuid) fail(r.uuid, metadata.tableUuid);
        break;
      case 'assert-ref-snapshot-id': {
        const ref =
          metadata.refs[r.ref]?.snapshotId ?? (r.ref === 'main' ? metadata.currentSnapshotId : null);
        if (ref !== r.snapshotId) fail(`${r.ref} at ${r.snapshotId ?? 'no snapshot'}`, ref ?? 'no snapshot');
        break;
      }
      case 'assert-last-assigned-field-id':
        if (r.lastAssignedFieldId !== metadata.lastColumnId)
          fail(r.lastAssignedFieldId, metadata.lastColumnId);
        break;
      case 'assert-current-schema-id':
        if (r.currentSchemaId !== metadata.currentSchemaId) fail(r.currentSchemaId, metadata.currentSchemaId);
        break;
      case 'assert-last-assigned-partition-id':
        if (r.lastAssignedPartitionId !== metadata.lastPartitionId)
          fail(r.lastAssignedPartitionId, metadata.lastPartitionId);
        break;
      case 'assert-default-spec-id':
        if (r.defaultSpecId !== metadata.defaultSpecId) fail(r.defaultSpecId, metadata.defaultSpecId);
        break;
      case 'assert-default-sort-order-id':
        if (r.defaultSortOrderId !== metadata.defaultSortOrderId)
          fail(r.defaultSortOrderId, metadata.defaultSortOrderId);
        break;
    }
  }
}

/**
 * The metadata after `updates`, as the reference's metadata builder makes it: ids of added schemas,
 * specs and sort orders are the table's to assign (an identical one is reused), -1 means "the one
 * added in this commit", the main branch sets the current snapshot and the snapshot log. Does not
 * touch the metadata log: that is the catalog's, which knows the file the metadata came from.
 */
export function applyUpdates(
  tableName: string,
  base: TableMetadata,
  updates: readonly TableUpdate[],
  nowMs: number,
): TableMetadata {
  const m: TableMetadata = structuredClone(base);
  const fail = (message: string): never => {
    throw new CommitFailedError(`${tableName}: ${message}`);
  };
  const added = {
    schema: undefined as number | undefined,
    spec: undefined as number | undefined,
    order: undefined as number | undefined,
  };
  const addedSnapshots = new Map<bigint, Snapshot>();
  for (const u of updates) {
    switch (u.action) {
      case 'assign-uuid':
        if (u.uuid !== m.tableUuid) fail(`cannot assign uuid ${u.uuid}: the table's is ${m.tableUuid}`);
        break;
      case 'upgrade-format-version':
        if (u.formatVersion < m.formatVersion)
          fail(`cannot downgrade format version ${m.formatVersion} to ${u.formatVersion}`);
        if (u.formatVersion >= 3) m.nextRowId ??= 0n;
        m.formatVersion = u.formatVersion;
        break;
      case 'add-schema': {
        const id = reuseOrNextId(m.schemas, u.schema, (s) => s.schemaId, schemaShape, 0);
        if (!m.schemas.some((s) => s.schemaId === id)) m.schemas.push({ ...u.schema, schemaId: id });
        m.lastColumnId = Math.max(m.lastColumnId, u.lastColumnId ?? highestFieldId(u.schema));
        added.schema = id;
        break;
      }
      case 'set-current-schema':
        m.currentSchemaId = resolveId(
          u.schemaId,
          added.schema,
          'schema',
          m.schemas.map((s) => s.schemaId),
          fail,
        );
        break;
      case 'add-spec': {
        const id = reuseOrNextId(m.partitionSpecs, u.spec, (s) => s.specId, specShape, 0);
        if (!m.partitionSpecs.some((s) => s.specId === id)) m.partitionSpecs.push({ ...u.spec, specId: id });
        m.lastPartitionId = Math.max(m.lastPartitionId, lastPartitionId(u.spec));
        added.spec = id;
        break;
      }
      case 'set-default-spec':
        m.defaultSpecId = resolveId(
          u.specId,
          added.spec,
          'partition spec',
          m.partitionSpecs.map((s) => s.specId),
          fail,
        );
        break;
      case 'add-sort-order': {
        // Order id 0 is reserved for "unsorted".
        const id =
          u.sortOrder.fields.length === 0
            ? 0
            : reuseOrNextId(m.sortOrders, u.sortOrder, (o) => o.orderId, orderShape, 1);
        if (!m.sortOrders.some((o) => o.orderId === id)) m.sortOrders.push({ ...u.sortOrder, orderId: id });
        added.order = id;
        break;
      }
      case 'set-default-sort-order':
        m.defaultSortOrderId = resolveId(
          u.sortOrderId,
          added.order,
          'sort order',
          m.sortOrders.map((o) => o.orderId),
          fail,
        );
        break;
      case 'add-snapshot': {
        const s = u.snapshot;
        if (m.snapshots.some((e) => e.snapshotId === s.snapshotId))
          fail(`snapshot ${s.snapshotId} already exists`);
        if (
          m.formatVersion >= 2 &&
          s.parentSnapshotId !== undefined &&
          s.sequenceNumber <= m.lastSequenceNumber
        ) {
          fail(
            `snapshot ${s.snapshotId} has sequence number ${s.sequenceNumber}, not above the table's ${m.lastSequenceNumber}`,
          );
        }
        m.snapshots.push(s);
        addedSnapshots.set(s.snapshotId, s);
        if (s.sequenceNumber > m.lastSequenceNumber) m.lastSequenceNumber = s.sequenceNumber;
        if (m.formatVersion >= 3 && s.addedRows !== undefined)
          m.nextRowId = (m.nextRowId ?? 0n) + s.addedRows;
        break;
      }
      case 'set-snapshot-ref': {
        const snapshot = m.snapshots.find((s) => s.snapshotId === u.ref.snapshotId);
        if (snapshot === undefined)
          fail(`ref ${u.refName} points at snapshot ${u.ref.snapshotId}, which the table lacks`);
        m.refs[u.refName] = { ...u.ref };
        if (u.refName === 'main') {
          m.currentSnapshotId = u.ref.snapshotId;
          const at = addedSnapshots.get(u.ref.snapshotId)?.timestampMs ?? nowMs;
          m.snapshotLog.push({ snapshotId: u.ref.snapshotId, timestampMs: at });
        }
        break;
      }
      case 'remove-snapshots':
        removeSnapshots(m, new Set(u.snapshotIds));
        break;
      case 'remove-snapshot-ref':
        delete m.refs[u.refName];
        if (u.refName === 'main') m.currentSnapshotId = null;
        break;
      case 'set-location':
        m.location = u.location.replace(/\/+$/, '');
        break;
      case 'set-properties':
        Object.assign(m.properties, u.updates);
        break;
      case 'remove-properties':
        for (const key of u.removals) delete m.properties[key];
        break;
    }
  }
  const newest = [...addedSnapshots.values()].reduce((t, s) => Math.max(t, s.timestampMs), 0);
  m.lastUpdatedMs = newest > 0 ? newest : nowMs;
  return m;
}

/** Drops the snapshots, the refs and statistics that point at them, and the snapshot log up to the last one. */
function removeSnapshots(m: TableMetadata, ids: ReadonlySet<bigint>): void {
  m.snapshots = m.snapshots.filter((s) => !ids.has(s.snapshotId));
  for (const [name, ref] of Object.entries(m.refs)) {
    if (ids.has(ref.snapshotId)) {
      delete m.refs[name];
      if (name === 'main') m.currentSnapshotId = null;
    }
  }
  if (m.statistics) m.statistics = m.statistics.filter((f) => !ids.has(f.snapshotId));
  if (m.partitionStatistics)
    m.partitionStatistics = m.partitionStatistics.filter((f) => !ids.has(f.snapshotId));
  // The log must be a history of snapshots that exist: an entry for a removed one cuts off all before it.
  const log: TableMetadata['snapshotLog'] = [];
  for (const entry of m.snapshotLog) {
    if (ids.has(entry.snapshotId)) log.length = 0;
    else log.push(entry);
  }
  m.snapshotLog = log;
}

/** The id of an existing item of the same shape, else one above every id in use (at least `first`). */
function reuseOrNextId<T>(
  existing: readonly T[],
  item: T,
  idOf: (t: T) => number,
  shape: (t: T) => string,
  first: number,
): number {
  const same = existing.find((e) => shape(e) === shape(item));
  if (same !== undefined) return idOf(same);
  return existing.reduce((max, e) => Math.max(max, idOf(e) + 1), first);
}

function resolveId(
  id: number,
  lastAdded: number | undefined,
  what: string,
  known: readonly number[],
  fail: (message: string) => never,
): number {
  const resolved = id === -1 ? lastAdded : id;
  if (resolved === undefined) return fail(`cannot set the last added ${what}: this commit adds none`);
  if (!known.includes(resolved)) fail(`the table has no ${what} ${resolved}`);
  return resolved;
}

// Shapes compare what a schema, spec or sort order says, whatever id it was sent with.
const schemaShape = (s: Schema) => stringifyJson({ ...schemaToJson(s), 'schema-id': 0 });
const specShape = (s: PartitionSpec) => stringifyJson(partitionSpecToJson(s).fields);
const orderShape = (o: SortOrder) => stringifyJson(sortOrderToJson(o).fields);
