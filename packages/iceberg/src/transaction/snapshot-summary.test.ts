import { describe, expect, it } from 'vitest';
import type { DataFile } from '../spec/manifest';
import type { Snapshot } from '../spec/table-metadata';
import { snapshotSummary, summaryTotals } from './snapshot-summary';

const file = (content: 0 | 1, recordCount: number, size: number): DataFile => ({
  content,
  filePath: `s3://t/${content}-${recordCount}-${size}.parquet`,
  fileFormat: 'PARQUET',
  partition: [],
  recordCount: BigInt(recordCount),
  fileSizeInBytes: BigInt(size),
});

const parent = {
  summary: {
    operation: 'overwrite',
    'total-records': '100',
    'total-files-size': '5000',
    'total-data-files': '4',
    'total-delete-files': '3',
    'total-position-deletes': '12',
    'total-equality-deletes': '0',
  },
} as unknown as Snapshot;

describe('snapshot summaries with delete files', () => {
  it('counts delete files a replace removes in the delete totals and the removed size, not in the records', () => {
    const summary = snapshotSummary({
      operation: 'replace',
      added: [file(0, 80, 900)],
      addedDeletes: [file(1, 2, 50)],
      removed: [file(0, 90, 1000), file(0, 10, 200), file(1, 5, 60), file(1, 7, 70)],
      parent,
      commitId: 'c',
      custom: {},
      own: {},
    });
    expect(summary).toMatchObject({
      'added-records': '80',
      'deleted-records': '100',
      'total-records': '80',
      'added-data-files': '1',
      'deleted-data-files': '2',
      'total-data-files': '3',
      'added-files-size': '950',
      'removed-files-size': '1330',
      'total-files-size': '4620',
      'added-delete-files': '1',
      'removed-delete-files': '2',
      'removed-position-delete-files': '2',
      'total-delete-files': '2',
      'added-position-deletes': '2',
      'removed-position-deletes': '12',
      'total-position-deletes': '2',
    });
  });

  it('counts deletion vectors as DVs, not position delete files, in the delete files and the position deletes', () => {
    const dv = (rows: number, size: number): DataFile => ({ ...file(1, rows, size), fileFormat: 'PUFFIN' });
    // An upsert's commit on a v3 table: one vector merged (the old one removed), one new, a v2-era file kept.
    const summary = snapshotSummary({
      operation: 'overwrite',
      added: [file(0, 3, 300)],
      addedDeletes: [dv(4, 40), dv(1, 40)],
      removed: [dv(3, 40)],
      parent,
      commitId: 'c',
      custom: {},
      own: {},
    });
    expect(summary).toMatchObject({
      'added-delete-files': '2',
      'added-dvs': '2',
      'removed-delete-files': '1',
      'removed-dvs': '1',
      'total-delete-files': '4',
      'added-position-deletes': '5',
      'removed-position-deletes': '3',
      'total-position-deletes': '14',
    });
    expect(summary['added-position-delete-files']).toBeUndefined();
    expect(summary['removed-position-delete-files']).toBeUndefined();
  });

  it('reads the totals a summary states, and none when one is missing or not a count', () => {
    expect(summaryTotals(parent.summary)).toEqual({ records: 100, deleteFiles: 3, positionDeletes: 12 });
    const { 'total-position-deletes': _, ...without } = parent.summary;
    expect(summaryTotals(without)).toBeUndefined();
    expect(summaryTotals({ ...parent.summary, 'total-records': 'x' })).toBeUndefined();
  });
});
