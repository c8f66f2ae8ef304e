import { describe, expect, it } from 'vitest';
import { newSchema } from '../../spec/schema';
import type { Snapshot, TableMetadata } from '../../spec/table-metadata';
import { optional, required, T } from '../../spec/types';
import { Transforms } from '../../transform/transform';
import { CommitFailedError } from '../errors';
import { metadataVersion, newMetadataLocation, withPreviousMetadata } from './metadata-files';
import { applyUpdates, checkRequirements } from './metadata-updates';
import { newTableMetadata } from './new-table-metadata';

const NOW = 1_700_000_000_000;
const schema = newSchema([required('id', T.long), optional('name', T.string)]);
const base = (): TableMetadata => newTableMetadata({ name: 't', schema }, 's3://b/db.db/t/', NOW);

function snapshot(id: bigint, sequenceNumber: bigint, parent?: bigint): Snapshot {
  const s: Snapshot = {
    snapshotId: id,
    sequenceNumber,
    timestampMs: NOW + Number(id),
    manifestList: `s3://b/db.db/t/metadata/snap-${id}.avro`,
    summary: { operation: 'append' },
  };
  if (parent !== undefined) s.parentSnapshotId = parent;
  return s;
}

// Three snapshots on main, 1 <- 2 <- 3, each committed as FastAppend does.
function withThreeSnapshots(): TableMetadata {
  let m = base();
  for (const [id, parent] of [
    [1n, undefined],
    [2n, 1n],
    [3n, 2n],
  ] as const) {
    m = applyUpdates(
      'db.t',
      m,
      [
        { action: 'add-snapshot', snapshot: snapshot(id, id, parent) },
        { action: 'set-snapshot-ref', refName: 'main', ref: { snapshotId: id, type: 'branch' } },
      ],
      NOW + 100,
    );
  }
  return m;
}

describe('applyUpdates', () => {
  it('adds snapshots to main: current snapshot, snapshot log, sequence number, last updated', () => {
    const m = withThreeSnapshots();
    expect(m.currentSnapshotId).toBe(3n);
    expect(m.refs.main).toEqual({ snapshotId: 3n, type: 'branch' });
    expect(m.lastSequenceNumber).toBe(3n);
    expect(m.snapshotLog).toEqual([
      { snapshotId: 1n, timestampMs: NOW + 1 },
      { snapshotId: 2n, timestampMs: NOW + 2 },
      { snapshotId: 3n, timestampMs: NOW + 3 },
    ]);
    expect(m.lastUpdatedMs).toBe(NOW + 3);
    // The input is left as it was.
    expect(base().snapshots).toEqual([]);
  });

  it('refuses a snapshot that does not advance the sequence number, and a ref to a missing snapshot', () => {
    const m = withThreeSnapshots();
    expect(() =>
      applyUpdates('db.t', m, [{ action: 'add-snapshot', snapshot: snapshot(4n, 3n, 3n) }], NOW),
    ).toThrow("db.t: snapshot 4 has sequence number 3, not above the table's 3");
    expect(() =>
      applyUpdates(
        'db.t',
        m,
        [{ action: 'set-snapshot-ref', refName: 'b', ref: { snapshotId: 9n, type: 'branch' } }],
        NOW,
      ),
    ).toThrow(CommitFailedError);
  });

  it('removes snapshots with the refs and statistics that point at them, and the log before them', () => {
    const m = withThreeSnapshots();
    m.refs.old = { snapshotId: 2n, type: 'tag' };
    m.statistics = [
      {
        snapshotId: 2n,
        statisticsPath: 's2',
        fileSizeInBytes: 1n,
        fileFooterSizeInBytes: 1n,
        blobMetadata: [],
      },
      {
        snapshotId: 3n,
        statisticsPath: 's3',
        fileSizeInBytes: 1n,
        fileFooterSizeInBytes: 1n,
        blobMetadata: [],
      },
    ];
    const after = applyUpdates('db.t', m, [{ action: 'remove-snapshots', snapshotIds: [2n] }], NOW + 500);
    expect(after.snapshots.map((s) => s.snapshotId)).toEqual([1n, 3n]);
    expect(Object.keys(after.refs)).toEqual(['main']);
    expect(after.statistics?.map((s) => s.statisticsPath)).toEqual(['s3']);
    // 1's entry came before the removed 2: the history left must be unbroken.
    expect(after.snapshotLog).toEqual([{ snapshotId: 3n, timestampMs: NOW + 3 }]);
    expect(after.lastUpdatedMs).toBe(NOW + 500);
  });

  it('gives an added schema, spec or sort order the next id (or the id of an identical one), -1 naming it', () => {
    const wider = newSchema([required('id', T.long), optional('name', T.string), optional('n', T.int)], {
      schemaId: 42,
    });
    const m = applyUpdates(
      'db.t',
      base(),
      [
        { action: 'add-schema', schema: wider },
        { action: 'set-current-schema', schemaId: -1 },
        {
          action: 'add-spec',
          spec: {
            specId: 9,
            fields: [{ sourceId: 1, fieldId: 1000, name: 'b', transform: Transforms.bucket(4) }],
          },
        },
        { action: 'set-default-spec', specId: -1 },
        {
          action: 'add-sort-order',
          sortOrder: {
            orderId: 0,
            fields: [
              { sourceId: 2, transform: Transforms.identity, direction: 'asc', nullOrder: 'nulls-first' },
            ],
          },
        },
        { action: 'set-default-sort-order', sortOrderId: -1 },
        { action: 'set-properties', updates: { a: '1', b: '2' } },
        { action: 'remove-properties', removals: ['a'] },
      ],
      NOW,
    );
    expect(m.schemas.map((s) => s.schemaId)).toEqual([0, 1]);
    expect(m.currentSchemaId).toBe(1);
    expect(m.lastColumnId).toBe(3);
    expect(m.defaultSpecId).toBe(1);
    expect(m.lastPartitionId).toBe(1000);
    expect(m.defaultSortOrderId).toBe(1);
    expect(m.properties).toEqual({ b: '2' });
    const again = applyUpdates(
      'db.t',
      m,
      [
        { action: 'add-schema', schema: { ...schema, schemaId: 7 } },
        { action: 'set-current-schema', schemaId: -1 },
      ],
      NOW,
    );
    expect(again.schemas).toHaveLength(2);
    expect(again.currentSchemaId).toBe(0);
    expect(() => applyUpdates('db.t', m, [{ action: 'set-current-schema', schemaId: -1 }], NOW)).toThrow(
      'db.t: cannot set the last added schema: this commit adds none',
    );
  });
});

describe('checkRequirements', () => {
  it('passes requirements that hold and names the first that does not', () => {
    const m = withThreeSnapshots();
    expect(() =>
      checkRequirements('db.t', m, [
        { type: 'assert-table-uuid', uuid: m.tableUuid },
        { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: 3n },
        { type: 'assert-ref-snapshot-id', ref: 'dev', snapshotId: null },
        { type: 'assert-last-assigned-field-id', lastAssignedFieldId: 2 },
        { type: 'assert-current-schema-id', currentSchemaId: 0 },
        { type: 'assert-last-assigned-partition-id', lastAssignedPartitionId: 999 },
        { type: 'assert-default-spec-id', defaultSpecId: 0 },
        { type: 'assert-default-sort-order-id', defaultSortOrderId: 0 },
      ]),
    ).not.toThrow();
    expect(() =>
      checkRequirements('db.t', m, [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: 2n }]),
    ).toThrow('db.t: requirement assert-ref-snapshot-id failed: expected main at 2, found 3');
    expect(() =>
      checkRequirements('db.t', m, [{ type: 'assert-current-schema-id', currentSchemaId: 1 }]),
    ).toThrow(CommitFailedError);
    expect(() => checkRequirements('db.t', m, [{ type: 'assert-create' }])).toThrow('the table exists');
  });
});

describe('metadata files', () => {
  it('names each new file one version up, in the metadata folder', () => {
    const m = base();
    expect(newMetadataLocation(m, undefined)).toMatch(
      /^s3:\/\/b\/db\.db\/t\/metadata\/00000-[0-9a-f-]{36}\.metadata\.json$/,
    );
    expect(newMetadataLocation(m, 's3://b/db.db/t/metadata/00041-x.metadata.json')).toMatch(
      /\/00042-[0-9a-f-]{36}\.metadata\.json$/,
    );
    expect(metadataVersion('s3://b/t/metadata/v3.metadata.json')).toBe(-1);
    const elsewhere = { ...m, properties: { 'write.metadata.path': 's3://other/meta/' } };
    expect(newMetadataLocation(elsewhere, undefined)).toMatch(/^s3:\/\/other\/meta\/00000-/);
  });

  it('logs the previous file, keeping the newest write.metadata.previous-versions-max', () => {
    let m: TableMetadata = { ...base(), properties: { 'write.metadata.previous-versions-max': '2' } };
    for (const n of [1, 2, 3]) m = withPreviousMetadata(m, { ...m, lastUpdatedMs: n }, `f${n}`);
    expect(m.metadataLog).toEqual([
      { metadataFile: 'f2', timestampMs: 2 },
      { metadataFile: 'f3', timestampMs: 3 },
    ]);
  });
});
